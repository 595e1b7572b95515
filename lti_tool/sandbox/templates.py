"""Inline Jinja templates of the sandbox LMS pages.

They are served through a :class:`jinja2.DictLoader` installed on the sandbox
app, so the package needs no template data files.  Names end in ``.html`` so
Flask autoescapes them.
"""

from __future__ import annotations

BASE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}Sandbox LMS{% endblock %} · {{ district.name }} (pretend LMS)</title>
  <style>
    :root { --ink: #1c2430; --muted: #4f5b6b; --line: #d5dbe3; --brand: #1f4e79; --bg: #f5f7fa; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
           color: var(--ink); background: var(--bg); }
    a { color: var(--brand); }
    a:focus-visible, button:focus-visible { outline: 3px solid #f0b429; outline-offset: 2px; }
    .skip { position: absolute; left: -999px; }
    .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
    header.lms { background: var(--brand); color: #fff; padding: .75rem 1.5rem; display: flex;
                 gap: 1rem; align-items: baseline; flex-wrap: wrap; }
    header.lms a { color: #fff; }
    header.lms .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; }
    .badge { background: #f0b429; color: #1c2430; border-radius: 999px; padding: .1rem .6rem;
             font-size: .8rem; font-weight: 600; }
    main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
    main.wide { max-width: none; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem 1.25rem;
            margin-bottom: 1.25rem; }
    .muted { color: var(--muted); }
    .grid { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
    ul.people { list-style: none; padding: 0; margin: 0; }
    ul.people li { padding: .35rem 0; border-bottom: 1px solid var(--line); }
    ul.people li:last-child { border-bottom: 0; }
    dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
    dl.kv dt { font-weight: 600; }
    dl.kv dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
    iframe.tool { width: 100%; height: 80vh; border: 1px solid var(--line); border-radius: .5rem;
                  background: #fff; }
    .toolbar { display: flex; gap: 1rem; flex-wrap: wrap; align-items: baseline; margin-bottom: .75rem; }
  </style>
</head>
<body>
  <a class="skip" href="#content">Skip to content</a>
  <header class="lms">
    <a class="brand" href="{{ url_for('sandbox.home') }}">{{ district.school }} · Sandbox LMS</a>
    <span class="badge">Pretend LMS for trying Lodestar</span>
    {% block header_extra %}{% endblock %}
  </header>
  <main id="content" class="{% block main_class %}{% endblock %}">
  {% block content %}{% endblock %}
  </main>
</body>
</html>
"""

HOME = """{% extends "base.html" %}
{% block title %}Home{% endblock %}
{% block content %}
<h1>{{ district.name }}</h1>
<p>This is a <strong>pretend learning management system</strong> that speaks LTI 1.3 Advantage.
It exists so you can open the Lodestar ILP tool the way a teacher, student, counselor, parent or
district administrator would see it inside Canvas or Schoology. Nothing here is real: every person,
course and grade is invented and kept in memory only.</p>
<p class="muted">Pick a person below and follow “Open Lodestar as …”. The course page embeds Lodestar
in an iframe and performs a real LTI launch (OIDC login, signed id_token) for that person.</p>

<h2>Courses</h2>
<div class="grid">
{% for entry in courses %}
  <section class="card" aria-labelledby="course-{{ entry.course.context_id }}">
    <h3 id="course-{{ entry.course.context_id }}">{{ entry.course.title }}
      <span class="muted">({{ entry.course.label }})</span></h3>
    {% if entry.teacher %}
    <h4>Teacher</h4>
    <ul class="people">
      <li>{{ entry.teacher.name }} —
        <a href="{{ url_for('sandbox.course_view', context_id=entry.course.context_id, user=entry.teacher.sub) }}">Open Lodestar as {{ entry.teacher.name }}</a>
        <br><a href="{{ url_for('sandbox.course_view', context_id=entry.course.context_id, user=entry.teacher.sub, message='deep_link') }}">Add a plan reflection activity (Deep Linking)</a>
      </li>
    </ul>
    {% endif %}
    {% if entry.staff %}
    <h4>Other staff</h4>
    <ul class="people">
    {% for member in entry.staff %}
      <li>{{ member.name }}{% if member.note %} <span class="muted">({{ member.note }})</span>{% endif %} —
        <a href="{{ url_for('sandbox.course_view', context_id=entry.course.context_id, user=member.sub) }}">Open Lodestar as {{ member.name }}</a></li>
    {% endfor %}
    </ul>
    {% endif %}
    <h4>Students ({{ entry.students|length }})</h4>
    <ul class="people">
    {% for student in entry.students %}
      <li>{{ student.name }} —
        <a href="{{ url_for('sandbox.course_view', context_id=entry.course.context_id, user=student.sub) }}">Open Lodestar as {{ student.name }}</a></li>
    {% endfor %}
    </ul>
  </section>
{% endfor %}
</div>

<h2>Staff and family</h2>
<div class="grid">
{% for entry in others %}
  <section class="card" aria-labelledby="person-{{ entry.user.sub }}">
    <h3 id="person-{{ entry.user.sub }}">{{ entry.heading }}</h3>
    <p>{{ entry.user.name }}{% if entry.note %} <span class="muted">— {{ entry.note }}</span>{% endif %}</p>
    {% if entry.course %}
    <p><a href="{{ url_for('sandbox.course_view', context_id=entry.course.context_id, user=entry.user.sub) }}">Open Lodestar as {{ entry.user.name }}</a>
      <span class="muted">(from {{ entry.course.title }})</span></p>
    {% endif %}
  </section>
{% endfor %}
</div>

<h2>Tool registration</h2>
<section class="card" aria-label="LTI registration values">
  <p class="muted">Lodestar must be registered with these values to accept launches from this sandbox.</p>
  <dl class="kv">
    <dt>Issuer</dt><dd>{{ state.issuer }}</dd>
    <dt>Client ID</dt><dd>{{ state.client_id }}</dd>
    <dt>Deployment ID</dt><dd>{{ state.deployment_id }}</dd>
    <dt>Authorization URL</dt><dd>{{ state.auth_url }}</dd>
    <dt>Access token URL</dt><dd>{{ state.token_url }}</dd>
    <dt>Platform JWKS URL</dt><dd>{{ state.jwks_url }}</dd>
    <dt>Tool login URL</dt><dd>{{ state.tool_login_url }}</dd>
    <dt>Tool launch URL</dt><dd>{{ state.tool_launch_url }}</dd>
    <dt>Tool JWKS URL</dt><dd>{{ state.tool_jwks_url }}</dd>
  </dl>
  <p><a href="{{ url_for('sandbox_registration.start_registration') }}">Register Lodestar again
     with LTI Dynamic Registration</a> (what an LMS administrator does once).</p>
</section>
{% endblock %}
"""

COURSE = """{% extends "base.html" %}
{% block title %}{{ course.title }}{% endblock %}
{% block main_class %}wide{% endblock %}
{% block header_extra %}
  <span>{{ course.title }} ({{ course.label }})</span>
  <span>Signed in as <strong>{{ user.name }}</strong> ({{ role_label }})</span>
  <a href="{{ url_for('sandbox.home') }}">Switch person</a>
{% endblock %}
{% block content %}
<h1>{{ heading }}</h1>
<div class="toolbar">
  {% if message == "resource_link" %}<a href="{{ new_window_url }}" target="_blank" rel="noopener">Open in new window</a>{% endif %}
  <a href="{{ url_for('sandbox.gradebook', context_id=course.context_id) }}">Gradebook</a>
  {% for link in links if link.id != active_link_id %}
  <a href="{{ url_for('sandbox.course_view', context_id=course.context_id, user=user.sub, resource_link=link.id) }}">{{ link.title }}</a>
  {% endfor %}
</div>
{% if storage_mode.forwarding_frame %}
<iframe name="{{ storage_mode.target }}" id="post-message-forwarding" title="Platform storage relay"
        src="{{ url_for('sandbox.forwarding_frame') }}" hidden></iframe>
{% endif %}
<iframe class="tool" title="Lodestar ILP" name="lodestar-frame" id="lodestar-frame" src="{{ launch_url }}"
        allow="clipboard-write; fullscreen"></iframe>
<p class="muted" id="storage-mode">Browser storage for the tool: {{ storage_mode.label }}.
  Try:
  {% for name, mode in storage_modes.items() if name != storage %}
  <a href="{{ url_for('sandbox.course_view', context_id=course.context_id, user=user.sub, message=message, resource_link=request.args.get('resource_link'), storage=name) }}">{{ mode.label }}</a>{{ "," if not loop.last }}
  {% endfor %}
</p>
{% if storage_mode.listens %}
<script>
/* LTI client-side postMessage storage (lti.capabilities, lti.put_data, lti.get_data): what
   a real platform offers tools whose cookies the browser blocks. Values are kept per tool
   origin for as long as this page is open, and answered only to that origin. Like Canvas,
   a put_data without a value removes the key, and get_data of a missing key answers null.
   Messages relayed by the forwarding frame carry the tool's origin in sourceToolInfo and
   are answered back through that frame. */
(function () {
  var frame = {{ (storage_mode.target if storage_mode.target != "_parent" else none)|tojson }};
  var forwarder = document.getElementById("post-message-forwarding");
  var store = window.sandboxPlatformStorage = {};
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.subject !== "string") { return; }
    var info = null, toolOrigin = event.origin;
    if (forwarder && event.source === forwarder.contentWindow) {
      if (event.origin !== window.location.origin || !data.sourceToolInfo) { return; }
      info = data.sourceToolInfo;
      toolOrigin = info.origin;
    }
    var bucket = store[toolOrigin] = store[toolOrigin] || {};
    function reply(body) {
      body.message_id = data.message_id;
      if (info) { body.sourceToolInfo = info; }
      event.source.postMessage(body, event.origin);
    }
    function storageSubject(subject) {
      return frame ? {subject: subject, frame: frame} : {subject: subject};
    }
    if (data.subject === "lti.capabilities") {
      reply({subject: "lti.capabilities.response", supported_messages: [
        {subject: "lti.capabilities"}, storageSubject("lti.put_data"),
        storageSubject("lti.get_data")]});
    } else if (data.subject === "lti.put_data") {
      if (!data.key) {
        reply({subject: "lti.put_data.response", error: {code: "bad_request", message: "key is required"}});
        return;
      }
      if (data.value === null || data.value === undefined || data.value === "") {
        delete bucket[data.key];
        reply({subject: "lti.put_data.response", key: data.key});
        return;
      }
      bucket[data.key] = String(data.value);
      reply({subject: "lti.put_data.response", key: data.key, value: bucket[data.key]});
    } else if (data.subject === "lti.get_data") {
      var known = Object.prototype.hasOwnProperty.call(bucket, data.key);
      reply({subject: "lti.get_data.response", key: data.key, value: known ? bucket[data.key] : null});
    }
  });
})();
</script>
{% endif %}
{% endblock %}
"""

AUTH_POST = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Launching Lodestar…</title></head>
<body>
  <p>Launching Lodestar…</p>
  <form id="lti-launch" method="post" action="{{ redirect_uri }}">
    <input type="hidden" name="id_token" value="{{ id_token }}">
    <input type="hidden" name="state" value="{{ state_value }}">
    <noscript><button type="submit">Continue to Lodestar</button></noscript>
  </form>
  <script>document.getElementById("lti-launch").submit();</script>
</body>
</html>
"""

DEEP_LINK_DONE = """{% extends "base.html" %}
{% block title %}Content added{% endblock %}
{% block content %}
<h1>{% if titles %}Added: {{ titles|join(", ") }}{% else %}Nothing was added{% endif %}</h1>
{% if message %}<p>{{ message }}</p>{% endif %}
{% if error_message %}<p role="alert">{{ error_message }}</p>{% endif %}
{% if skipped %}<p class="muted">Ignored unsupported content items: {{ skipped|join(", ") }}</p>{% endif %}
<p><a href="{{ back_url }}">Back to {{ course.title }}</a></p>
{% endblock %}
"""

GRADEBOOK = """{% extends "base.html" %}
{% block title %}Gradebook · {{ course.title }}{% endblock %}
{% block main_class %}wide{% endblock %}
{% block content %}
<h1>Gradebook: {{ course.title }}</h1>
<p class="muted">What tools have sent through Assignment and Grade Services: each column's current
result per student, with the tool's comment.</p>
{% for item in items %}
<section class="card" aria-labelledby="item-{{ item.id }}">
  <h2 id="item-{{ item.id }}">{{ item.label }}</h2>
  <p class="muted">Out of {{ '%g'|format(item.score_maximum) }}{% if item.end_date_time %} · due {{ item.end_date_time }}{% endif %}</p>
  <table>
    <thead><tr><th scope="col">Student</th><th scope="col">Score</th><th scope="col">Comment</th></tr></thead>
    <tbody>
    {% for student in students %}
      {% set result = results[item.id].get(student.sub) %}
      <tr><th scope="row">{{ student.name }}</th>
        <td>{% if result and result.result_score is not none %}{{ '%g'|format(result.result_score) }} / {{ '%g'|format(result.result_maximum) }}{% elif result %}submitted, not graded{% else %}not handed in{% endif %}</td>
        <td>{{ result.comment if result and result.comment else '' }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
</section>
{% else %}
<p>No gradebook columns yet.</p>
{% endfor %}
{% endblock %}
"""

RETURNED = """{% extends "base.html" %}
{% block title %}Returned from Lodestar{% endblock %}
{% block content %}
<h1>Returned from Lodestar</h1>
{% if message %}<p>{{ message }}</p>{% endif %}
{% if error_message %}<p role="alert">{{ error_message }}</p>{% endif %}
<p><a href="{{ url_for('sandbox.home') }}">Back to {{ district.name }}</a>{% if course %} · {{ course.title }}{% endif %}</p>
{% endblock %}
"""

FORWARDING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Platform storage relay</title></head>
<body>
<script>
/* Canvas's post_message_forwarding frame, in small: messages from a tool go up to the
   course page with the tool's origin and window attached (sourceToolInfo); answers from
   the course page go back to that window, addressed to that origin. */
(function () {
  var windows = [];
  window.addEventListener("message", function (event) {
    var data = event.data, copy = {}, name;
    if (!data || typeof data !== "object") { return; }
    if (event.source === window.parent && event.origin === window.location.origin) {
      var info = data.sourceToolInfo, target = info && windows[info.windowId];
      if (!target) { return; }
      for (name in data) { if (name !== "sourceToolInfo") { copy[name] = data[name]; } }
      target.postMessage(copy, info.origin);
      return;
    }
    var id = windows.indexOf(event.source);
    if (id === -1) { windows.push(event.source); id = windows.length - 1; }
    for (name in data) { copy[name] = data[name]; }
    copy.sourceToolInfo = {origin: event.origin, windowId: id};
    window.parent.postMessage(copy, window.location.origin);
  });
})();
</script>
</body>
</html>
"""

TEMPLATES: dict[str, str] = {
    "base.html": BASE,
    "home.html": HOME,
    "course.html": COURSE,
    "auth_post.html": AUTH_POST,
    "deep_link_done.html": DEEP_LINK_DONE,
    "returned.html": RETURNED,
    "gradebook.html": GRADEBOOK,
    "forwarding.html": FORWARDING,
}
