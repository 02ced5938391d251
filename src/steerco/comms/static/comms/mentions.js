// @mention suggestions in comment boxes: <textarea data-mention-url="/comms/mentions/...">.
// Typing "@an" lists the colleagues who can see the object (the server decides); a click, or
// Enter/Tab on the highlighted one, writes "@username " in place of what was typed.
// The panel is swapped in by htmx, possibly more than once: listen once, on the document.
(function () {
  "use strict";
  if (window.steercoMentions) { return; }
  window.steercoMentions = true;

  var TYPED = /(^|[^\w.@])@([A-Za-z0-9_][A-Za-z0-9_.+-]*)?$/;
  var timer = null;

  function typedMention(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = TYPED.exec(before);
    if (!match) { return null; }
    var typed = match[2] || "";
    return { typed: typed, start: before.length - typed.length - 1 };
  }

  function listOf(textarea) {
    var list = textarea.parentNode.querySelector(".mention-suggestions");
    if (!list) {
      list = document.createElement("ul");
      list.className = "mention-suggestions";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "People to mention");
      list.dataset.testid = "mention-suggestions";
      textarea.insertAdjacentElement("afterend", list);
    }
    return list;
  }

  function close(textarea) {
    var list = textarea.parentNode.querySelector(".mention-suggestions");
    if (list) { list.remove(); }
    textarea.removeAttribute("aria-activedescendant");
  }

  function choose(textarea, username) {
    var mention = typedMention(textarea);
    if (!mention) { return; }
    var caret = textarea.selectionStart;
    var text = "@" + username + " ";
    textarea.value = textarea.value.slice(0, mention.start) + text + textarea.value.slice(caret);
    var position = mention.start + text.length;
    textarea.setSelectionRange(position, position);
    close(textarea);
    textarea.focus();
  }

  function show(textarea, people) {
    if (!people.length) { close(textarea); return; }
    var list = listOf(textarea);
    list.replaceChildren();
    people.forEach(function (person, index) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = textarea.id + "-mention-" + index;
      item.dataset.username = person.username;
      item.setAttribute("aria-selected", index === 0 ? "true" : "false");
      var name = document.createElement("strong");
      name.textContent = person.name;
      var username = document.createElement("span");
      username.className = "muted";
      username.textContent = " @" + person.username;
      item.append(name, username);
      list.append(item);
    });
    textarea.setAttribute("aria-activedescendant", list.firstChild.id);
  }

  function suggest(textarea) {
    var mention = typedMention(textarea);
    if (!mention) { close(textarea); return; }
    var url = textarea.dataset.mentionUrl + "?q=" + encodeURIComponent(mention.typed);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { people: [] }; })
      .then(function (body) {
        // The user may have typed on since: only show what still matches.
        var now = typedMention(textarea);
        if (now && now.typed === mention.typed) { show(textarea, body.people); }
      })
      .catch(function () { close(textarea); });
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target.closest ? event.target.closest("textarea[data-mention-url]") : null;
    if (!textarea) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { suggest(textarea); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    var textarea = event.target.closest ? event.target.closest("textarea[data-mention-url]") : null;
    var list = textarea ? textarea.parentNode.querySelector(".mention-suggestions") : null;
    if (!list) { return; }
    var items = Array.prototype.slice.call(list.children);
    var current = items.findIndex(function (item) { return item.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = (current + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach(function (item, index) { item.setAttribute("aria-selected", index === next ? "true" : "false"); });
      textarea.setAttribute("aria-activedescendant", items[next].id);
    } else if ((event.key === "Enter" || event.key === "Tab") && current >= 0) {
      event.preventDefault();
      choose(textarea, items[current].dataset.username);
    } else if (event.key === "Escape") {
      close(textarea);
    }
  });

  // mousedown, not click: the textarea must not lose the caret position first.
  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest ? event.target.closest(".mention-suggestions [role=option]") : null;
    if (!item) { return; }
    event.preventDefault();
    var textarea = item.parentNode.previousElementSibling;
    if (textarea && textarea.matches("textarea[data-mention-url]")) {
      choose(textarea, item.dataset.username);
    }
  });
})();
