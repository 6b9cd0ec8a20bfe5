// Progressive enhancement only: the page works without this file.
// Changing the sort order submits the search form at once.
document.addEventListener("DOMContentLoaded", function () {
  var sort = document.getElementById("sort");
  if (sort && sort.form) {
    sort.addEventListener("change", function () { sort.form.submit(); });
  }
});
