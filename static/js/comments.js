/* Comments: progressive enhancement only. Without this file everything works:
   the form has its own page, "Change the CAPTCHA code" is a submit button and
   "Speak the CAPTCHA code" is a link to the sound file. */
(function () {
  "use strict";

  var XHR = { "X-Requested-With": "XMLHttpRequest" };

  function twoX(imageUrl) {
    return imageUrl.replace(/\/$/, "@2/");
  }

  function enhanceCaptcha(root) {
    root.querySelectorAll("[data-captcha]").forEach(function (box) {
      var image = box.querySelector("[data-captcha-image]");
      var refresh = box.querySelector("[data-captcha-refresh]");
      var link = box.querySelector("[data-captcha-audio-link]");
      var audio = box.querySelector("[data-captcha-audio]");
      var key = box.querySelector('input[name$="captcha_0"]');
      var answer = box.querySelector('input[name$="captcha_1"]');
      var status = box.querySelector("[data-captcha-status]");

      if (refresh) {
        refresh.addEventListener("click", function (event) {
          event.preventDefault();
          fetch(box.dataset.refreshUrl, { headers: XHR, credentials: "same-origin" })
            .then(function (response) {
              if (!response.ok) { throw new Error(response.status); }
              return response.json();
            })
            .then(function (data) {
              image.src = data.image_url;
              image.srcset = data.image_url + " 1x, " + twoX(data.image_url) + " 2x";
              key.value = data.key;
              if (audio && data.audio_url) { audio.src = data.audio_url; }
              if (link && data.audio_url) { link.href = data.audio_url; }
              answer.value = "";
              answer.focus();
              status.textContent = "New CAPTCHA code loaded.";
            })
            .catch(function () {
              status.textContent = "Could not load a new code. Please try again.";
            });
        });
      }

      if (link && audio) {
        // Play in the page and keep focus in the answer box, so screen-reader
        // speech and the spoken code do not talk over each other.
        link.addEventListener("click", function (event) {
          event.preventDefault();
          audio.currentTime = 0;
          audio.play();
          answer.focus();
        });
      }
    });
  }

  function loadFormInPlace(section) {
    var link = section.querySelector("[data-comment-form-link]");
    var slot = section.querySelector("[data-comment-form-slot]");
    if (!link || !slot) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var url = link.href + (link.href.indexOf("?") === -1 ? "?" : "&") + "fragment=1";
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (html) {
          slot.innerHTML = html;
          link.parentNode.hidden = true;
          enhanceCaptcha(slot);
          var first = slot.querySelector("[data-error-summary]") ||
            slot.querySelector("input:not([type=hidden]), textarea");
          if (first) { first.focus(); }
        })
        .catch(function () { window.location.href = link.href; });
    });
  }

  function showOwnPending(section) {
    // Only readers who posted in this session carry the cookie; everyone else
    // costs the server nothing.
    if (document.cookie.split("; ").indexOf("comments_pending=1") === -1) { return; }
    var slot = section.querySelector("[data-comments-pending]");
    if (!slot) { return; }
    fetch(section.dataset.pendingUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { slot.innerHTML = html; })
      .catch(function () {});
  }

  function start() {
    document.querySelectorAll("[data-comments]").forEach(function (section) {
      loadFormInPlace(section);
      showOwnPending(section);
    });
    enhanceCaptcha(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
