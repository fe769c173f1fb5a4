// Web eID: the page's side of the browser extension's messaging (window.postMessage).
// webeid.authenticate(challengeNonce, options) resolves with the authentication token
// ({unverifiedCertificate, algorithm, signature, format, appVersion}) or rejects with an
// error whose code says why: ERR_WEBEID_EXTENSION_UNAVAILABLE when no extension answers.
(function (global) {
  "use strict";
  var ACK_MS = 2000;
  var USER_MS = 240000;

  function error(code, message) {
    var failure = new Error(message || code);
    failure.code = code;
    return failure;
  }

  function authenticate(challengeNonce, options) {
    options = options || {};
    return new Promise(function (resolve, reject) {
      var acknowledged = false;
      var done = false;
      function finish(callback, value) {
        if (done) { return; }
        done = true;
        global.removeEventListener("message", listen);
        clearTimeout(ackTimer);
        clearTimeout(userTimer);
        callback(value);
      }
      function listen(event) {
        if (event.source !== global || !event.data || typeof event.data.action !== "string") { return; }
        var action = event.data.action;
        if (action === "web-eid:authenticate-ack") {
          acknowledged = true;
        } else if (action === "web-eid:authenticate-success") {
          var token = {};
          ["unverifiedCertificate", "algorithm", "signature", "format", "appVersion"].forEach(function (name) {
            token[name] = event.data[name];
          });
          finish(resolve, token);
        } else if (action === "web-eid:authenticate-failure") {
          var cause = event.data.error || {};
          finish(reject, error(cause.code || "ERR_WEBEID_UNKNOWN_ERROR", cause.message));
        }
      }
      global.addEventListener("message", listen);
      var ackTimer = setTimeout(function () {
        if (!acknowledged) { finish(reject, error("ERR_WEBEID_EXTENSION_UNAVAILABLE")); }
      }, options.ackTimeout || ACK_MS);
      var userTimer = setTimeout(function () {
        finish(reject, error("ERR_WEBEID_USER_TIMEOUT"));
      }, options.userInteractionTimeout || USER_MS);
      global.postMessage({
        action: "web-eid:authenticate", challengeNonce: challengeNonce,
        options: { lang: options.lang || "fr", userInteractionTimeout: options.userInteractionTimeout || USER_MS }
      }, global.location.origin);
    });
  }

  global.webeid = { authenticate: authenticate };
})(window);

// The page: one button; the token goes to the challenge's one-time address.
(function () {
  "use strict";
  var page = document.getElementById("webeid");
  if (!page) { return; }
  var status = document.getElementById("webeid-status");
  var button = document.getElementById("webeid-sign");
  function say(text, kind) {
    status.textContent = text;  // people's text is text, never markup
    status.className = kind || "";
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    say(page.dataset.working);
    webeid.authenticate(page.dataset.nonce, { lang: document.documentElement.lang }).then(function (token) {
      return fetch(page.dataset.answer, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(token)
      }).then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) { say(page.dataset.linked, "ok"); return; }
          say(body.message || page.dataset.failed, "error");
          button.disabled = false;
        });
      });
    }).catch(function (failure) {
      var missing = failure && failure.code === "ERR_WEBEID_EXTENSION_UNAVAILABLE";
      say(missing ? page.dataset.noextension : page.dataset.failed, "error");
      button.disabled = false;
    });
  });
})();
