// Submits the forms marked data-autosubmit (the Deep Linking response) once the page loads.
// A file of its own so the page needs no inline script.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
  form.submit();
});
