// The review page's marking: radio buttons per chain, counters, export and import of the marks.
// Runs from the page itself (file://): it reads the JSON embedded in #review-data and never
// fetches anything. The export is a download made from a Blob.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const chains = new Map(data.chains.map((c) => [c.id, c]));
  const marks = new Map(Object.entries(data.marks));

  function setRadio(id, mark) {
    const block = document.querySelector(`section.chain[data-id="${CSS.escape(id)}"]`);
    if (!block) return;
    for (const input of block.querySelectorAll("input[type=radio]")) input.checked = input.value === mark;
    block.dataset.mark = mark || "";
  }

  function refresh() {
    const counts = { valid: 0, invalid: 0, unsure: 0 };
    for (const mark of marks.values()) counts[mark] += 1;
    document.getElementById("count-marked").textContent = String(marks.size);
    for (const name of Object.keys(counts)) document.getElementById(`count-${name}`).textContent = String(counts[name]);
  }

  document.querySelectorAll("section.chain").forEach((block) => {
    const id = block.dataset.id;
    block.querySelectorAll("input[type=radio]").forEach((input) => {
      input.addEventListener("change", () => {
        marks.set(id, input.value);
        block.dataset.mark = input.value;
        refresh();
      });
    });
    block.querySelector("button.clear").addEventListener("click", () => {
      marks.delete(id);
      setRadio(id, null);
      refresh();
    });
  });

  function exportMarks() {
    const entries = [];
    for (const [id, mark] of marks) {
      const c = chains.get(id);
      entries.push({ model: c.model, benchmark: c.benchmark, setting: c.setting, problem_id: c.problem_id,
                     sample_index: c.sample_index, mark: mark, sha256: c.sha256 });
    }
    const doc = { format: "passk-cot-review", version: 1, figure: data.figure, marks: entries };
    const blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = data.download_name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    document.getElementById("status").textContent = `exported ${entries.length} mark(s) as ${data.download_name}`;
  }

  function importMarks(file) {
    const reader = new FileReader();
    reader.onload = () => {
      let doc;
      try { doc = JSON.parse(reader.result); } catch (e) { doc = null; }
      if (!doc || doc.format !== "passk-cot-review" || !Array.isArray(doc.marks)) {
        document.getElementById("status").textContent = "not a marks file of this page";
        return;
      }
      let used = 0, skipped = 0;
      for (const m of doc.marks) {
        const id = [m.model, m.benchmark, m.setting, m.problem_id, m.sample_index].join("|");
        const c = chains.get(id);
        if (c && c.sha256 === m.sha256 && ["valid", "invalid", "unsure"].includes(m.mark)) {
          marks.set(id, m.mark);
          setRadio(id, m.mark);
          used += 1;
        } else {
          skipped += 1;
        }
      }
      refresh();
      document.getElementById("status").textContent = `imported ${used} mark(s), skipped ${skipped} (other or changed chains)`;
    };
    reader.readAsText(file);
  }

  document.getElementById("export").addEventListener("click", exportMarks);
  document.getElementById("import").addEventListener("change", (event) => {
    if (event.target.files.length) importMarks(event.target.files[0]);
  });
  for (const [id, mark] of marks) setRadio(id, mark);
  refresh();
})();
