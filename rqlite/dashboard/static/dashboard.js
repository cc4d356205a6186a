// rq dashboard: ask before every action that changes the queues. Each
// action is a form with the question in its data-confirm attribute.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
