// The report's "Print" button (a script file: the pages allow no inline script).
document.getElementById("print")?.addEventListener("click", () => window.print());
