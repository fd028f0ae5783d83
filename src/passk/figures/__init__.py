"""Figures and tables in the paper's style: the drawing functions (``plots``) and the figure kinds
that map a figure's spec and the rule's input tables onto panels (``kinds``)."""
