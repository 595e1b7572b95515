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

  // Attach form opened from the class view: each assignment option carries the students
  // its tags serve ("id:goal id" pairs, data-suggest); choosing another assignment ticks
  // those students and picks the goal it serves. Without JavaScript the server ticked the
  // assignment the teacher came from.
  var assignment = document.getElementById("assignment");
  if (assignment && document.getElementById("suggest-hint")) {
    assignment.addEventListener("change", function () {
      var option = assignment.options[assignment.selectedIndex];
      var suggest = option ? option.getAttribute("data-suggest") : null;
      var goals = {};
      (suggest || "").split(" ").forEach(function (pair) {
        if (pair) { goals[pair.split(":")[0]] = pair.split(":")[1] || ""; }
      });
      if (all) { all.checked = false; }
      document.querySelectorAll('input[name="student"]').forEach(function (box) {
        box.checked = Object.prototype.hasOwnProperty.call(goals, box.value);
        var goal = document.getElementById("goal-" + box.value);
        if (goal) { goal.value = box.checked ? goals[box.value] : ""; }
      });
    });
  }

  // File size checked before the upload (portfolio/portfolio.html): the limit comes from
  // the input's data-max-bytes. A file over it shows a message next to the field and the
  // form is not sent, so nothing typed is lost; the server checks again (files.py).
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var label = input.getAttribute("data-max-label") || (max + " bytes");
    var message = document.getElementById(input.getAttribute("aria-describedby") || "");
    var form = input.form;
    if (!max || !message || !form) { return; }
    function tooBig() {
      return input.files && input.files.length > 0 && input.files[0].size > max;
    }
    function fileChosenAsSource() {
      var source = form.querySelector('input[name="source"]:checked');
      return !source || source.value === "file";
    }
    function show() {
      if (tooBig()) {
        message.textContent = "This file is larger than " + label + ". Choose a smaller " +
          "file, or link to it with a web address instead.";
        message.hidden = false;
        input.setAttribute("aria-invalid", "true");
      } else {
        message.textContent = "";
        message.hidden = true;
        input.removeAttribute("aria-invalid");
      }
    }
    input.addEventListener("change", show);
    form.addEventListener("submit", function (event) {
      if (!tooBig()) { return; }
      if (!fileChosenAsSource()) {
        input.value = "";  // a web address or graded work was chosen: the file is not sent
        show();
        return;
      }
      event.preventDefault();
      show();
      input.focus();
    });
  });

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

  /* The session (lti_tool/launch/session.py). In a frame that keeps no cookie, links and
     forms name the session ("lt") and this script proves each request with the secret the
     launch left in this frame's sessionStorage: posted forms get it as a field ("fs"), and
     every navigation first trades it for a one-time "hop" code, so no URL ever holds
     anything that opens the session later or elsewhere. With a cookie nothing is needed,
     except for links that open a new tab (the cookie stays with the LMS frame): they get a
     hop code too. */
  var SECRET_PREFIX = "lodestar-frame:";

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function frameSecret(handle) {
    try { return window.sessionStorage.getItem(SECRET_PREFIX + handle); } catch (e) { return null; }
  }

  function askHop(cfg, secret) {
    var headers = {"Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded"};
    var fields = {};
    if (cfg.handle) {
      headers["X-Lodestar-Frame"] = secret;
      fields.lt = cfg.handle;
    } else {
      headers["X-Lodestar-CSRF"] = cfg.csrf;
    }
    return fetch(cfg.hop_url, {method: "POST", credentials: "same-origin", headers: headers,
                               body: new URLSearchParams(fields)})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok || !body.hop) { throw body; }
          return body.hop;
        }, function () { throw {}; });
      });
  }

  function withHop(url, code) {
    var target = new URL(url, window.location.href);
    target.searchParams.set("hop", code);
    return target.toString();
  }

  function ownLink(link) {
    return link.origin === window.location.origin && !link.hasAttribute("data-no-session");
  }

  function sessionLinks(cfg, secret) {
    document.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
          event.shiftKey || event.altKey) { return; }
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || !ownLink(link)) { return; }
      // A jump within the page ("Skip to ...") is no navigation: the browser does it.
      if (link.getAttribute("href").charAt(0) === "#") { return; }
      var newTab = link.target === "_blank";
      var named = cfg.handle && new URL(link.href).searchParams.get("lt") === cfg.handle;
      if (!named && !newTab) { return; }
      event.preventDefault();
      // A new tab must open now, while the click still counts as the person's own.
      var tab = newTab ? window.open("", "_blank") : null;
      if (tab) { tab.opener = null; }
      askHop(cfg, secret).then(function (code) {
        var url = withHop(link.href, code);
        if (tab) { tab.location.href = url; } else { window.location.assign(url); }
      }, function () {
        if (tab) { tab.close(); }
        window.location.assign(link.href);  // the server says what went wrong
      });
    });
  }

  function sessionForms(cfg, secret) {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.querySelector('input[name="lt"]')) { return; }
      if (new URL(form.action, window.location.href).origin !== window.location.origin) {
        return;  // the secret goes to Lodestar only
      }
      if ((form.method || "get").toLowerCase() === "post") {
        var field = form.querySelector('input[name="fs"]');
        if (!field) {
          field = document.createElement("input");
          field.type = "hidden";
          field.name = "fs";
          form.appendChild(field);
        }
        field.value = secret;
        return;
      }
      event.preventDefault();
      var url = new URL(form.action, window.location.href);
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string") { url.searchParams.append(name, value); }
      });
      askHop(cfg, secret).then(function (code) {
        window.location.assign(withHop(url.toString(), code));
      }, function () { window.location.assign(url.toString()); });
    });
  }

  var page = readJson("lodestar-session");
  if (page && page.handle) {
    var secret = frameSecret(page.handle);
    if (secret) {
      sessionLinks(page, secret);
      sessionForms(page, secret);
    }
  } else if (page && page.csrf) {
    sessionLinks(page, null);
  }

  // A frame session's page opened without its proof (a reload, the back button, or a URL
  // opened elsewhere): this frame still holds the secret, so go on with a fresh hop code;
  // anywhere else the page says the link opens nothing here.
  var resume = readJson("lodestar-resume");
  if (resume) {
    var kept = frameSecret(resume.handle);
    var showRefused = function (refused, answer) {
      document.getElementById("resume-checking").hidden = refused;
      document.getElementById("resume-refused").hidden = !refused;
      // This frame proved the session: say why it ended (signed out, idle, access changed).
      if (answer && answer.error && answer.message) {
        document.getElementById("resume-refused-title").textContent = answer.error;
        document.getElementById("resume-refused-message").textContent = answer.message;
      }
    };
    if (kept) {
      showRefused(false);
      askHop(resume, kept).then(function (code) {
        window.location.replace(withHop(resume.target, code));
      }, function (answer) { showRefused(true, answer); });
    }
  }

  // Career clusters (plans/clusters.html): the search filters the folded list as the
  // student types, with the rule the server uses without JavaScript (every word, in any
  // case, in the cluster's name or description, or in a pathway's name). Hidden boxes stay
  // in the form, so a search never drops a choice.
  var clusterSearch = document.getElementById("cluster-search");
  var clusterForm = document.getElementById("cluster-search-form");
  if (clusterSearch && clusterForm) {
    var clusterCount = document.getElementById("cluster-search-count");
    var clusters = document.querySelectorAll("details.cluster");
    var hasAll = function (text, words) {
      return words.every(function (w) { return text.indexOf(w) !== -1; });
    };
    var filterClusters = function () {
      var words = clusterSearch.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      clusters.forEach(function (cluster) {
        var whole = hasAll(cluster.getAttribute("data-search") || "", words);
        var paths = cluster.querySelectorAll(".pathway");
        var matching = 0;
        paths.forEach(function (path) {
          var show = whole || hasAll(path.getAttribute("data-search") || "", words);
          path.hidden = !show;
          if (show) { matching += 1; }
        });
        cluster.hidden = !(whole || matching);
        if (!cluster.hidden) { shown += 1; }
        // A search opens what it found; without one, only the clusters with a choice.
        cluster.open = words.length
          ? !cluster.hidden
          : cluster.querySelector("input:checked") !== null;
      });
      clusterCount.textContent = words.length
        ? shown + " of " + clusters.length + " clusters match." + (shown ? "" : " Try another word.")
        : "";
    };
    clusterSearch.addEventListener("input", filterClusters);
    clusterForm.addEventListener("submit", function (event) {
      event.preventDefault();
      filterClusters();
    });
  }

  // Printable plan (plans/print.html).
  var print = document.getElementById("print-plan");
  if (print) {
    print.addEventListener("click", function () { window.print(); });
  }
})();
