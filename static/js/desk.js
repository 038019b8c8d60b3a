/* The moderation desk: progressive enhancement only. Without this file every
   button is a form that posts, then comes back to the same place in the queue with
   a message and an Undo button.

   With it: keys (j/k or arrows to move between cards, a/r/s to decide, z to undo,
   ? for the list), decisions sent in the background, focus moved to the next card,
   and the result announced in a live region. a, r and s act on the card that has
   focus (or holds it); no key acts while focus is in a text box or a dialog; and
   "Keyboard shortcuts on" turns them all off (WCAG 2.1.4). */
(function () {
  "use strict";

  var desk = document.querySelector("[data-desk]");
  if (!desk) { return; }

  var live = desk.querySelector("[data-desk-live]");
  var lastBox = desk.querySelector("[data-desk-last]");
  var lastMessage = desk.querySelector("[data-desk-last-message]");
  var undoForm = desk.querySelector("[data-desk-undo-form]");
  var undoEvent = desk.querySelector("[data-desk-undo-event]");
  var keysBox = desk.querySelector("[data-desk-keys]");
  var keysToggle = desk.querySelector("[data-desk-keys-toggle]");
  var helpButton = desk.querySelector("[data-desk-help]");
  var helpDialog = desk.querySelector("[data-desk-help-dialog]");
  var STORAGE_KEY = "newsroom-desk-keys";
  var XHR = { "X-Requested-With": "XMLHttpRequest" };
  var removed = null; // the card taken off by the last decision, for Undo
  var LABELS = { a: "approve", r: "reject", s: "mark as spam" };

  function cards() {
    return Array.prototype.slice.call(desk.querySelectorAll("[data-card]"));
  }

  var announcing = null;

  function announce(message) {
    // Cleared first, so the same message twice is announced twice; a newer
    // message replaces one still waiting to be shown.
    window.clearTimeout(announcing);
    live.textContent = "";
    announcing = window.setTimeout(function () { live.textContent = message; }, 50);
  }

  function keysOn() {
    return !keysToggle || keysToggle.checked;
  }

  function currentCard() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-card]") : null;
  }

  function focusCard(card) {
    if (!card) { return; }
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = cards();
    if (!list.length) { return; }
    var index = list.indexOf(currentCard());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : index + step;
    focusCard(list[Math.max(0, Math.min(list.length - 1, next))]);
  }

  function adjustCount(delta) {
    var tab = desk.querySelector('.desk-tabs a[aria-current="page"] .desk-count');
    if (tab) { tab.textContent = String(Math.max(0, Number(tab.textContent) + delta)); }
  }

  function showUndo(message, eventId) {
    if (!lastBox) { return; }
    lastMessage.textContent = message;
    undoEvent.value = eventId || "";
    lastBox.hidden = !eventId;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      headers: XHR,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () {
        throw new Error("The desk did not answer. Reload the page and try again.");
      });
    });
  }

  function decide(form, button) {
    var card = form.closest("[data-card]");
    var data = new FormData(form);
    data.set("decision", button.value);
    form.setAttribute("aria-busy", "true");
    post(form.action, data)
      .then(function (answer) {
        form.removeAttribute("aria-busy");
        if (!answer.ok) {
          announce(answer.message); // the card stays; an earlier undo still works
          return;
        }
        var list = cards();
        var index = list.indexOf(card);
        var next = list[index + 1] || list[index - 1] || null;
        if (card) {
          removed = { card: card, parent: card.parentNode, before: card.nextSibling };
          card.remove();
          adjustCount(-1);
        }
        announce(answer.message + " Press z to undo.");
        showUndo(answer.message, answer.undo);
        if (next) {
          focusCard(next);
        } else {
          var heading = document.querySelector("#content h1") || desk;
          heading.setAttribute("tabindex", "-1");
          heading.focus();
        }
      })
      .catch(function (error) {
        form.removeAttribute("aria-busy");
        announce(error.message || "The decision was not sent. Try again.");
      });
  }

  function undo() {
    if (!undoForm || !undoEvent.value) {
      announce("There is no decision to undo.");
      return;
    }
    post(undoForm.action, new FormData(undoForm))
      .then(function (answer) {
        announce(answer.message);
        showUndo(answer.message, null);
        if (answer.ok && removed) {
          removed.parent.insertBefore(removed.card, removed.before);
          adjustCount(1);
          focusCard(removed.card);
          removed = null;
        }
      })
      .catch(function (error) { announce(error.message); });
  }

  desk.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-decision-form]") && event.submitter) {
      event.preventDefault();
      decide(form, event.submitter);
    } else if (form === undoForm) {
      event.preventDefault();
      undo();
    }
  });

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable], dialog");
  }

  document.addEventListener("keydown", function (event) {
    if (!keysOn() || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) { return; }
    var key = event.key;
    if (key === "?") {
      event.preventDefault();
      helpDialog.showModal();
      return;
    }
    var card = currentCard();
    if (key === "j" || key === "ArrowDown") {
      if (key === "ArrowDown" && !card) { return; } // arrows scroll the page
      event.preventDefault();
      move(1);
    } else if (key === "k" || key === "ArrowUp") {
      if (key === "ArrowUp" && !card) { return; }
      event.preventDefault();
      move(-1);
    } else if (key === "z") {
      event.preventDefault();
      undo();
    } else if (LABELS[key] && card) {
      event.preventDefault();
      var button = card.querySelector('button[data-key="' + key + '"]');
      if (button) {
        button.click();
      } else {
        announce("Nothing to " + LABELS[key] + ": the comment is already " +
          card.dataset.status.toLowerCase() + ".");
      }
    }
  });

  if (keysBox) {
    keysBox.hidden = false;
    keysToggle.checked = window.localStorage.getItem(STORAGE_KEY) !== "off";
    keysToggle.addEventListener("change", function () {
      window.localStorage.setItem(STORAGE_KEY, keysToggle.checked ? "on" : "off");
      announce(keysToggle.checked ? "Keyboard shortcuts on." : "Keyboard shortcuts off.");
    });
    helpButton.addEventListener("click", function () { helpDialog.showModal(); });
  }

  // Back from a decision without this script's help (or a link to a card): show
  // that card with focus, so the keys go on from there.
  if (window.location.hash.indexOf("#card-") === 0) {
    focusCard(document.getElementById(window.location.hash.slice(1)));
  }
})();
