rule get_model:
    """Fetch a model's weights at its pinned revision (or register a local directory, or build a tiny
    random model for the smoke run) and write a manifest with every file's sha256."""
    localrule: True  # downloads: cluster compute nodes often cannot reach the hub, the submit host can
    input:
        problems=weights_training_problems,
    output:
        "resources/models/{weights}/manifest.json",
    params:
        spec=weights_spec,
        code=code_version("get_model.py"),
    log:
        "logs/get_model/{weights}.log",
    conda:
        "../../envs/sampling.yaml"
    script:
        "../scripts/get_model.py"
