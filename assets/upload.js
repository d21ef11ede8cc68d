/* Uploads for "Import your own data": each file goes to the server as the raw body of
   POST <prefix>upload (dashboard/serve/uploads.py streams it to disk), with XMLHttpRequest so that its
   upload progress events can drive the page's progress bar. Files never go through a Dash
   callback (base64 in JSON would make them 4/3 larger and hold them in memory).

   The page says where to report in data- attributes of .upload-zones (ids from dashboard/web/ids.py):
   data-store (a dcc.Store given {batch, seq} after each file, which the server's callbacks read),
   data-status, data-progress, data-limit (bytes). Each .upload-zone has data-kind (spend or
   suppliers) and data-multiple; its .upload-button opens the browser's file chooser, and files
   can be dropped on the zone. One file is sent at a time; a refused file (too big, not CSV or
   XLSX, the same content as another) is named in the status line and the rest carry on.
   No inline script: this file is served from assets/ (the CSP allows scripts from files only). */
(function () {
  "use strict";
  var ACCEPT = ".csv,.xlsx,.txt,.tsv,.gz";
  var state = {batch: null, seq: 0, queue: [], busy: false, done: 0, refused: [], total: 0};

  function zones() { return document.querySelector(".upload-zones"); }

  function setProps(id, props) {
    if (id && window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function report(text, percent) {
    var z = zones();
    if (!z) { return; }
    setProps(z.dataset.status, {children: text});
    setProps(z.dataset.progress, percent === null ? {hidden: true}
                                                  : {hidden: false, value: String(percent)});
  }

  function prefix() {
    var el = document.getElementById("_dash-config");
    try {
      return JSON.parse(el.textContent).requests_pathname_prefix || "/";
    } catch (e) {
      return "/";
    }
  }

  function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  function enqueue(kind, files, multiple) {
    var list = Array.prototype.slice.call(files || []);
    if (!multiple) { list = list.slice(0, 1); }
    if (!list.length) { return; }
    if (!state.busy) { state.done = 0; state.refused = []; state.total = 0; }
    list.forEach(function (f) { state.queue.push({kind: kind, file: f}); });
    state.total += list.length;
    if (!state.busy) { next(); }
  }

  function finish() {
    state.busy = false;
    var text = state.done + " of " + state.total + " file" + (state.total === 1 ? "" : "s") +
      " uploaded.";
    if (state.refused.length) { text += " Not uploaded: " + state.refused.join(" "); }
    report(text, null);
  }

  function refuse(name, message) {
    state.refused.push(message || (name + " could not be uploaded."));
  }

  function next() {
    var item = state.queue.shift();
    if (!item) { finish(); return; }
    state.busy = true;
    var z = zones();
    var limit = z ? Number(z.dataset.limit || 0) : 0;
    var f = item.file;
    var n = state.done + state.refused.length + 1;
    if (limit && f.size > limit) {
      refuse(f.name, f.name + " is " + mb(f.size) + ": files up to " + mb(limit) +
             " can be uploaded.");
      next();
      return;
    }
    var url = prefix() + "upload?kind=" + encodeURIComponent(item.kind) + "&name=" +
      encodeURIComponent(f.name) + (state.batch ? "&batch=" + state.batch : "");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-Anchor-Upload", "1");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    var label = "Uploading " + n + " of " + state.total + ": " + f.name;
    var last = 0;
    xhr.upload.onprogress = function (e) {
      var now = Date.now();
      if (!e.lengthComputable || now - last < 100) { return; }
      last = now;
      var pct = Math.round(100 * e.loaded / e.total);
      report(label + " (" + pct + "% of " + mb(e.total) + ")", pct);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 200 && body.refused) {
        state.batch = body.batch || state.batch;
        refuse(f.name, body.refused + ".");
      } else if (xhr.status === 200 && body.batch) {
        state.batch = body.batch;
        state.seq += 1;
        state.done += 1;
        var z2 = zones();
        if (z2) { setProps(z2.dataset.store, {data: {batch: state.batch, seq: state.seq}}); }
      } else {
        refuse(f.name, body.error ? body.error + "." : f.name + " was refused (" + xhr.status +
               ").");
      }
      next();
    };
    xhr.onerror = function () {
      refuse(f.name, "The upload of " + f.name + " failed: check the connection and try again.");
      next();
    };
    report(label, 0);
    xhr.send(f);
  }

  function choose(zone) {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = ACCEPT;
    input.multiple = zone.dataset.multiple === "true";
    input.style.display = "none";
    input.addEventListener("change", function () {
      enqueue(zone.dataset.kind, input.files, input.multiple);
      input.remove();
    });
    document.body.appendChild(input);
    input.click();
  }

  function reset() {
    state.batch = null;
    state.queue = [];
    var z = zones();
    if (z) { setProps(z.dataset.store, {data: null}); }
    report("", null);
  }

  function copyLink(button) {
    var input = document.getElementById(button.dataset.target);
    var say = function (text) { setProps(button.dataset.status, {children: text}); };
    if (!input) { return; }
    var fallback = function () {
      input.focus();
      input.select();
      say("The link is selected: press Ctrl+C (or Cmd+C) to copy it.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        say("Link copied.");
      }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!(t instanceof Element)) { return; }
    var button = t.closest(".upload-button");
    if (button) { choose(button.closest(".upload-zone")); return; }
    if (t.closest(".upload-reset")) { reset(); return; }
    var copy = t.closest(".share-copy");
    if (copy) { copyLink(copy); }
  });

  function zoneOf(e) {
    return e.target instanceof Element ? e.target.closest(".upload-zone") : null;
  }
  document.addEventListener("dragover", function (e) {
    var zone = zoneOf(e);
    if (zone) { e.preventDefault(); zone.classList.add("dragging"); }
  });
  document.addEventListener("dragleave", function (e) {
    var zone = zoneOf(e);
    if (zone && !zone.contains(e.relatedTarget)) { zone.classList.remove("dragging"); }
  });
  document.addEventListener("drop", function (e) {
    var zone = zoneOf(e);
    if (!zone) { return; }
    e.preventDefault();
    zone.classList.remove("dragging");
    enqueue(zone.dataset.kind, e.dataTransfer && e.dataTransfer.files,
            zone.dataset.multiple === "true");
  });

  /* The share link: the browser's own address with the view's query (the server cannot know the
     address a proxy shows), written into the read-only box by a clientside callback. */
  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.anchor = Object.assign({}, window.dash_clientside.anchor, {
    shareLink: function (query) {
      return window.location.origin + window.location.pathname + (query || "");
    }
  });
})();
