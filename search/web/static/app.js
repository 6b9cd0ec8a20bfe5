// Progressive enhancement only: the page works without this file.
// Changing the sort order submits the search form at once; a panel that
// names its address (the words of a coverage, slower than the search) is
// fetched after the page shows, as the server renders it (its text escaped).
document.addEventListener("DOMContentLoaded", function () {
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () { sort.form.submit(); });
  }
  document.querySelectorAll("[data-panel]").forEach(function (panel) {
    fetch(panel.getAttribute("data-panel"), {headers: {"Accept": "text/html"}})
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var made = document.createElement("template");
        made.innerHTML = html;
        panel.replaceWith(made.content);
      })
      .catch(function () { /* the link in the panel still works */ });
  });
});
