/* Small page niceties, in a file of their own because the Content-Security-Policy allows
   no inline script or event handler attributes. Each part does nothing on pages without
   its element, and every page works without JavaScript. */
(function () {
  "use strict";

  // Attach form (portfolio/attach.html): "All students" ticks every box. Without
  // JavaScript the server reads the "all" box itself.
  var all = document.getElementById("attach-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="student"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  // Dynamic Registration finished (launch/registered.html): tell the platform
  // (LTI Dynamic Registration, section 3.6). On a button, not on load: the platform closes
  // this page when the message arrives, and the steps must stay readable until then.
  var finish = document.getElementById("finish");
  if (finish) {
    finish.addEventListener("click", function () {
      var platform = window.opener || (window.parent !== window ? window.parent : null);
      if (platform) {
        platform.postMessage({subject: "org.imsglobal.lti.close"}, "*");
      }
      document.getElementById("finish-done").hidden = false;
    });
  }

  // A form that posts on its own (the Deep Linking response to the platform): the page
  // marks it data-autosubmit and keeps a visible submit button for browsers without script.
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) {
    auto.submit();
  }

  // Printable plan (plans/print.html).
  var print = document.getElementById("print-plan");
  if (print) {
    print.addEventListener("click", function () { window.print(); });
  }
})();
