// The CVSS calculator: re-scores as the form changes (the form also works without it).
(function () {
  var form = document.getElementById("cvss-form");
  form.addEventListener("change", function (event) {
    if (event.target.name === "version") { form.submit(); return; }
    var params = new URLSearchParams(new FormData(form));
    params.set("format", "json");
    fetch("?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        document.getElementById("cvss-vector").textContent = data.vector || "—";
        document.getElementById("cvss-score").textContent = data.score === null ? "—" : data.score;
        document.getElementById("cvss-severity").textContent = data.severity || "—";
        document.getElementById("cvss-error").textContent = data.error || "";
      });
  });
})();
