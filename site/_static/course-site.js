// Draws every <pre class="mermaid"> with the local Mermaid. A diagram Mermaid cannot parse is
// marked (class mermaid-error) and reported on the console, so the browser tests catch it.
document.addEventListener("DOMContentLoaded", async () => {
  const diagrams = Array.from(document.querySelectorAll("pre.mermaid"));
  if (diagrams.length && window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    for (const el of diagrams) {
      try {
        await window.mermaid.run({ nodes: [el] });
        el.dataset.mermaidStatus = "ok";
      } catch (err) {
        el.classList.add("mermaid-error");
        el.dataset.mermaidStatus = "error";
        console.error("Mermaid could not draw a diagram: " + (err && err.message ? err.message : err));
      }
    }
  }
  document.body.dataset.mermaidDone = "1";
});
