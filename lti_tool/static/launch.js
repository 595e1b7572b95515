/* Lodestar's login and launch pages inside the LMS frame.

   The OIDC state normally comes back as a cookie. Where the browser blocks Lodestar's
   cookies in the frame, the state goes through the platform's window instead, with the
   messages of "LTI Client Side postMessages" (https://www.imsglobal.org/spec/lti-cs-pm/v0p1)
   and "LTI postMessage Storage" (https://www.imsglobal.org/spec/lti-pm-s/v0p1), as
   "OIDC Login with LTI Client Side postMessages" describes
   (https://www.imsglobal.org/spec/lti-cs-oidc/v0p1). Where the platform offers no storage
   (Moodle 4.5), the page offers to open Lodestar in a window of its own, where cookies work.
   lti_tool/launch/platform_storage.py and cookieless.py explain the server side. */
(function () {
  "use strict";

  // Milliseconds to wait for an answer. The 1EdTech example library waits 1000 ms per message.
  var CAPABILITIES_WAIT = 1000;
  var ANSWER_WAIT = 1500;
  var CLEAR_WAIT = 500;
  var NO_ANSWER = "lodestar_no_answer";

  function config() {
    return JSON.parse(document.getElementById("lodestar-launch").textContent);
  }

  function randomId() {
    var bytes = new Uint8Array(16), hex = "";
    window.crypto.getRandomValues(bytes);
    for (var i = 0; i < bytes.length; i++) { hex += ("0" + bytes[i].toString(16)).slice(-2); }
    return "lodestar-" + hex;
  }

  // The platform's window: the page that frames us, or the one that opened us.
  function platformWindow() {
    if (window.parent && window.parent !== window) { return window.parent; }
    return window.opener || null;
  }

  // A frame of the platform's window by name; null when missing (reading an unknown name
  // of a cross-origin window throws).
  function namedFrame(win, name) {
    try { return win.frames[name] || null; } catch (e) { return null; }
  }

  // Send one message and wait for its ".response" with the same message_id, from an origin
  // route.accepts; rejects with the platform's error, or NO_ANSWER on timeout.
  function ask(route, message, wait) {
    return new Promise(function (resolve, reject) {
      var timer, id = randomId();
      message.message_id = id;
      function stop() { window.removeEventListener("message", onMessage); clearTimeout(timer); }
      function onMessage(event) {
        var data = event.data;
        if (!data || typeof data !== "object" || data.message_id !== id) { return; }
        if (data.subject !== message.subject + ".response" || !route.accepts(event.origin)) { return; }
        stop();
        if (data.error) { reject(data.error); } else { resolve(data); }
      }
      window.addEventListener("message", onMessage);
      timer = setTimeout(function () { stop(); reject({code: NO_ANSWER}); }, wait);
      try {
        route.win.postMessage(message, route.targetOrigin);
      } catch (e) {
        stop();
        reject({code: NO_ANSWER});
      }
    });
  }

  function anyOrigin() { return true; }

  /* The platform's storage. settings: target (lti_storage_target), origin (the platform's
     OIDC origin), accept (origins trusted to answer a "*" message; null: any). */
  function PlatformStorage(settings) {
    this.target = settings.target;
    this.origin = settings.origin;
    this.accept = settings.accept || null;
    this.capable = null;   // subject -> frame name ("_parent" when none), from lti.capabilities
    this.route = null;     // the route that answered last
  }

  // lti.capabilities goes to the platform's window with target origin "*": the tool cannot
  // know yet which frame or origin answers. No answer is not a refusal (older platforms).
  PlatformStorage.prototype.capabilities = function () {
    var self = this, win = platformWindow();
    if (!win) { return Promise.resolve(); }
    return ask({win: win, targetOrigin: "*", accepts: anyOrigin}, {subject: "lti.capabilities"},
               CAPABILITIES_WAIT).then(function (answer) {
      self.capable = {};
      (answer.supported_messages || []).forEach(function (entry) {
        if (entry && entry.subject) { self.capable[entry.subject] = entry.frame || "_parent"; }
      });
    }, function () { self.capable = null; });
  };

  PlatformStorage.prototype.offers = function (subject) {
    return this.capable === null || Object.prototype.hasOwnProperty.call(this.capable, subject);
  };

  // Where to send a storage message, in order: the named frame (or the parent window for
  // "_parent") addressed to the platform's origin; then the parent window with "*", the
  // fallback when that frame is missing (Canvas's Rich Content Editor) or silent.
  PlatformStorage.prototype.routes = function (subject) {
    var win = platformWindow(), exact = this.origin, accept = this.accept, routes = [];
    if (!win) { return routes; }
    var name = (this.capable && this.capable[subject]) || this.target;
    var direct = name === "_parent" ? win : namedFrame(win, name);
    if (direct) {
      routes.push({win: direct, targetOrigin: exact,
                   accepts: function (origin) { return origin === exact; }});
    }
    routes.push({win: win, targetOrigin: "*", accepts: function (origin) {
      return accept === null || accept.indexOf(origin) !== -1;
    }});
    return routes;
  };

  PlatformStorage.prototype.send = function (message) {
    var self = this, routes = this.routes(message.subject);
    function attempt(index) {
      if (index >= routes.length) { return Promise.reject({code: NO_ANSWER}); }
      var copy = {};
      for (var name in message) { copy[name] = message[name]; }
      return ask(routes[index], copy, ANSWER_WAIT).then(function (answer) {
        self.route = routes[index];
        return answer;
      }, function (error) {
        if (error && error.code === NO_ANSWER) { return attempt(index + 1); }
        throw error;
      });
    }
    return attempt(0);
  };

  // Remove our key once it has served: a null value removes it in Canvas, and any other
  // platform answers null for it from then on. Never waits long.
  PlatformStorage.prototype.clear = function (key) {
    if (!this.route) { return Promise.resolve(); }
    return ask(this.route, {subject: "lti.put_data", key: key, value: null}, CLEAR_WAIT)
      .then(function () {}, function () {});
  };

  // Show one step. Focus stays where it is (moving it into the frame would take it away
  // from the LMS page); the steps sit in a polite live region instead.
  function show(id) {
    ["checking", "new-window", "failed"].forEach(function (other) {
      var section = document.getElementById(other);
      if (section) { section.hidden = other !== id; }
    });
  }

  function fail(message) {
    document.getElementById("failed-detail").textContent = message;
    show("failed");
  }

  function watchOfferLink() {
    var link = document.getElementById("new-window-link");
    if (!link) { return; }
    link.addEventListener("click", function () {
      document.getElementById("new-window-status").textContent =
        "Lodestar is opening in a new window. If nothing opened, your browser may have " +
        "blocked it: allow pop-ups for this site, or open Lodestar again from your course.";
    });
  }

  function offerWindow(url) {
    if (!url) {
      fail("Your browser blocked the sign-in check. Open Lodestar again from your course.");
      return;
    }
    document.getElementById("new-window-link").href = url;
    watchOfferLink();
    show("new-window");
  }

  function postForm(url, headers, fields) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    headers.Accept = "application/json";
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers,
                       body: new URLSearchParams(fields)})
      .then(function (response) { return response.json(); });
  }

  /* Login: first ask Lodestar whether the state cookie came back. If it did, go on to the
     platform (nothing is stored in the platform's window, so nothing is left there). If not,
     keep the state in platform storage when the platform offers it (lti_storage_target);
     otherwise, or when storage does not answer, offer the new window before the platform
     has used its lti_message_hint. */
  function login() {
    var cfg = config(), done = false;
    function go() {
      if (!done) { done = true; window.location.replace(cfg.auth_url); }
    }
    function keepInPlatform(windowUrl) {
      var storage = new PlatformStorage(cfg.storage);
      storage.capabilities().then(function () {
        if (!storage.offers("lti.put_data")) { throw {code: "unsupported"}; }
        return storage.send({subject: "lti.put_data", key: cfg.key, value: cfg.state});
      }).then(go, function () { offerWindow(windowUrl); });
    }
    var headers = {};
    headers[cfg.check_header] = "1";
    postForm(cfg.check_url, headers, {state: cfg.state}).then(function (answer) {
      if (answer.cookies) {
        go();
      } else if (cfg.storage) {
        keepInPlatform(answer.window_url);
      } else {
        offerWindow(answer.window_url);
      }
    }, go);  // Lodestar did not answer the check: go on, the launch will tell.
  }

  // Same key as pages.js: "lodestar-frame:" + the session's handle.
  function keepFrameSecret(session) {
    try {
      window.sessionStorage.setItem("lodestar-frame:" + session.handle, session.secret);
    } catch (e) { /* no storage at all: each page will say to open Lodestar again */ }
  }

  /* Launch without the state cookie: the state must come back from platform storage before
     the id_token is posted again (with our header, which only our own page can send). */
  function launch() {
    var cfg = config(), storage = new PlatformStorage(cfg.storage);
    function post() {
      var headers = {};
      headers[cfg.header] = "1";
      return postForm(cfg.launch_url, headers, {id_token: cfg.id_token, state: cfg.state})
        .then(function (body) {
          return storage.clear(cfg.key).then(function () {
            if (body.redirect) {
              // The session's secret stays in this frame (pages.js proves each request
              // with it); only the session's handle and a one-time code go in URLs.
              if (body.session) { keepFrameSecret(body.session); }
              window.location.replace(body.redirect);
              return;
            }
            fail(body.message || "The launch could not be accepted. Open Lodestar again from your course.");
          });
        }, function () { fail("Lodestar could not be reached. Please try again."); });
    }
    storage.capabilities().then(function () {
      if (!storage.offers("lti.get_data")) { throw {code: "unsupported"}; }
      return storage.send({subject: "lti.get_data", key: cfg.key});
    }).then(function (answer) {
      if (answer.value === cfg.state) { return post(); }
      if (answer.value === null || answer.value === undefined || answer.value === "") {
        offerWindow(cfg.window_url);  // nothing stored here: this browser's storage is elsewhere
        return undefined;
      }
      fail("The launch did not come from the login this browser started. Open Lodestar again from your course.");
      return undefined;
    }, function () { offerWindow(cfg.window_url); });
  }

  window.LodestarLaunch = {login: login, launch: launch, offer: watchOfferLink};

  // The page names what to do in data-start on this script's tag (no inline script: the
  // Content-Security-Policy allows only Lodestar's own script files).
  var start = document.currentScript && document.currentScript.getAttribute("data-start");
  if (start && Object.prototype.hasOwnProperty.call(window.LodestarLaunch, start)) {
    window.LodestarLaunch[start]();
  }
})();
