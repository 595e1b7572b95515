/* Skills as chips (templates/_skills.html). Each [data-skill-chips] box holds the skills as
   one comma-separated text, which is what the server reads. This script keeps that text in a
   hidden field of the same name and shows each skill as a chip with a remove button; the
   visible box (with its label, hint and suggestions list) becomes where the next skill is
   typed: Enter, a comma or picking a suggestion adds it. A skill that is too long stays in
   the box with a message; nothing typed is dropped. Without JavaScript the box works alone. */
(function () {
  "use strict";

  function clean(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  function setUp(field, index) {
    var entry = field.querySelector("input[type=text]");
    if (!entry || !entry.name) { return; }
    var max = parseInt(field.getAttribute("data-max-length"), 10) || 60;
    var listId = entry.getAttribute("list");
    var skills = [];

    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = entry.name;
    entry.removeAttribute("name");
    field.appendChild(hidden);

    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", "Chosen skills");
    entry.parentNode.insertBefore(chips, entry);

    var message = document.createElement("p");
    message.className = "field-error chip-error";
    message.id = (entry.id || "skills-" + index) + "-chip-error";
    message.setAttribute("aria-live", "polite");
    message.hidden = true;
    entry.parentNode.insertBefore(message, entry.nextSibling);
    var described = entry.getAttribute("aria-describedby");
    entry.setAttribute("aria-describedby", (described ? described + " " : "") + message.id);

    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    field.appendChild(status);

    function sync() {
      hidden.value = skills.join(", ");
    }

    function showError(text) {
      message.textContent = text;
      message.hidden = !text;
      if (text) {
        entry.setAttribute("aria-invalid", "true");
      } else if (!field.classList.contains("field-has-error")) {
        entry.removeAttribute("aria-invalid");
      }
    }

    function has(skill) {
      var lower = skill.toLowerCase();
      return skills.some(function (s) { return s.toLowerCase() === lower; });
    }

    function render() {
      chips.textContent = "";
      skills.forEach(function (skill, i) {
        var li = document.createElement("li");
        li.className = "chip";
        var label = document.createElement("span");
        label.textContent = skill;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.setAttribute("aria-label", "Remove " + skill);
        remove.textContent = "\u00d7";
        remove.addEventListener("click", function () {
          skills.splice(i, 1);
          sync();
          render();
          status.textContent = "Removed " + skill + ".";
          entry.focus();
        });
        li.appendChild(label);
        li.appendChild(remove);
        chips.appendChild(li);
      });
      chips.hidden = skills.length === 0;
    }

    /* Adds the skills of ``text`` (commas between them); returns what could not be added
       (too long), which stays in the box. */
    function add(text) {
      var left = [];
      var added = [];
      text.split(/[,;\n]/).forEach(function (part) {
        var skill = clean(part);
        if (!skill) { return; }
        if (skill.length > max) {
          left.push(skill);
        } else if (!has(skill)) {
          skills.push(skill);
          added.push(skill);
        }
      });
      sync();
      render();
      if (added.length) { status.textContent = "Added " + added.join(", ") + "."; }
      if (left.length) {
        showError("\u201c" + left[0].slice(0, 30) + "\u2026\u201d is longer than " + max +
          " characters. Shorten it or split it with commas.");
      } else {
        showError("");
      }
      return left.join(", ");
    }

    function commit() {
      entry.value = add(entry.value);
    }

    function isSuggestion(value) {
      var list = listId && document.getElementById(listId);
      if (!list) { return false; }
      return Array.prototype.some.call(list.options, function (o) { return o.value === value; });
    }

    entry.value = add(entry.value);
    if (field.classList.contains("field-has-error")) {
      showError("");  // the server's message is already next to the box
    }

    entry.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter adds the skill; it never sends the whole form from the skills box.
        event.preventDefault();
        if (clean(entry.value)) { commit(); }
      } else if (event.key === "," && clean(entry.value)) {
        event.preventDefault();
        commit();
      } else if (event.key === "Backspace" && !entry.value && skills.length) {
        var last = skills.pop();
        sync();
        render();
        status.textContent = "Removed " + last + ".";
      }
    });
    entry.addEventListener("input", function (event) {
      // A suggestion picked from the list arrives whole (no inputType, or a replacement);
      // typing "data" on the way to "data analysis" is not a pick.
      var picked = !event.inputType || event.inputType === "insertReplacementText";
      if (/[,;\n]/.test(entry.value) || (picked && isSuggestion(entry.value))) {
        commit();
      } else if (entry.value.length <= max && message.textContent) {
        showError("");
      }
    });
    entry.addEventListener("blur", function () {
      if (clean(entry.value)) { commit(); }
    });
    // Whatever is still in the box is sent too, so the server can say what to change.
    var form = entry.form;
    if (form) {
      form.addEventListener("submit", function () {
        var pending = clean(entry.value);
        if (pending) {
          hidden.value = skills.concat([pending]).join(", ");
        }
      });
    }
  }

  document.querySelectorAll("[data-skill-chips]").forEach(setUp);
})();
