/* Progress while the map image or the report is made (issue 16: 9-10 s with no cue).

   The export panel's map links (data-progress) are fetched by the page instead of followed: the
   status line (#export-progress, role=status) says "Making the map image… 3 s" until the file
   arrives, then the page saves it under the server's file name (a blob link with `download`)
   and says so; an error (no browser, too busy) is shown there in the server's words instead of
   a bare text page. While waiting, GET <prefix>export/status tells whether the image is still
   queued behind other exports. The report opens in its own tab as before; the status line
   follows it through export/status until it is made. Only the words are announced: the
   seconds are aria-hidden, so a screen reader is not told every second. */
(function () {
  "use strict";
  var busy = null;   // {label, started, timer} of the file being made

  function line() { return document.getElementById("export-progress"); }

  function show(text, seconds, note) {
    var el = line();
    if (!el) { return; }
    var msg = el.querySelector(".export-progress-msg");
    var secs = el.querySelector(".export-progress-secs");
    if (!msg) {
      el.textContent = "";
      msg = document.createElement("span");
      msg.className = "export-progress-msg";
      secs = document.createElement("span");
      secs.className = "export-progress-secs";
      secs.setAttribute("aria-hidden", "true");
      el.appendChild(msg);
      el.appendChild(document.createTextNode(" "));
      el.appendChild(secs);
    }
    var words = text + (note ? " (" + note + ")" : "");
    if (msg.textContent !== words) { msg.textContent = words; }
    secs.textContent = seconds === null ? "" : seconds + " s";
    el.style.fontWeight = seconds === null ? "" : "600";
  }

  function elapsed() { return Math.round((Date.now() - busy.started) / 1000); }

  function statusUrl(href) {
    return href.split("?")[0].replace(/(export\/[^\/]*|report\.html)$/, "export/status");
  }

  /* Every second: the seconds so far, and (from export/status) whether it is still queued. */
  function start(link, what, onStatus) {
    busy = {label: link.getAttribute("data-progress"), started: Date.now(), note: ""};
    var url = statusUrl(link.href);
    show(busy.label + "…", 0);
    busy.timer = window.setInterval(function () {
      if (!busy) { return; }
      show(busy.label + "…", elapsed(), busy.note);
      window.fetch(url, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!busy || !body || !Array.isArray(body.exports)) { return; }
          var mine = body.exports.filter(function (e) { return e.what === what; })[0];
          busy.note = mine && mine.state === "queued" ? (mine.ahead > 0 ?
            "waiting behind " + mine.ahead + " other export" + (mine.ahead > 1 ? "s" : "") :
            "waiting its turn") : "";
          if (onStatus) { onStatus(mine); }
        })
        .catch(function () { /* the status is a nicety: the file itself still comes */ });
    }, 1000);
  }

  function finish(text) {
    var secs = busy ? elapsed() : 0;
    if (busy) { window.clearInterval(busy.timer); }
    busy = null;
    show(text.replace("{s}", secs), null);
  }

  function filename(disposition) {
    var m = /filename="?([^";]+)"?/i.exec(disposition || "");
    return m ? m[1] : "map";
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    window.setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 2000);
  }

  function download(link) {
    var file = link.href.split("?")[0].split("/").pop();
    start(link, file);
    window.fetch(link.href, {credentials: "same-origin"})
      .then(function (r) {
        if (!r.ok) {
          return r.text().then(function (t) {
            throw new Error((t || "").trim() || "the server answered " + r.status);
          });
        }
        var name = filename(r.headers.get("Content-Disposition"));
        return r.blob().then(function (blob) { save(blob, name); return name; });
      })
      .then(function (name) { finish("Map image ready ({s} s): saved as " + name + "."); },
            function (err) { finish("The map image could not be made: " + err.message); });
  }

  function followReport(link) {
    var seen = false, polls = 0;
    start(link, "report", function (mine) {
      polls += 1;
      if (mine) { seen = true; return; }
      if (seen || polls >= 3) { finish("The report is ready in its own tab ({s} s)."); }
    });
    window.setTimeout(function () {
      if (busy && busy.label === link.getAttribute("data-progress")) {
        finish("The report should be open in its own tab.");
      }
    }, 90000);
  }

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest("a[data-progress]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey ||
        event.altKey) {
      return;
    }
    var report = link.target === "_blank";
    if (busy) {          // one at a time: the export queue would refuse a second anyway
      if (!report) { event.preventDefault(); }
      show(busy.label + "… (still working on it)", elapsed());
      return;
    }
    if (report) { followReport(link); return; }
    if (!window.fetch || !window.URL || !URL.createObjectURL) { return; }   // a plain download
    event.preventDefault();
    download(link);
  });
}());
