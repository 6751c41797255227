/*
 * Atelier shopper widget: one script, no dependencies, no build step.
 *
 *   <div data-atelier-product="prod_…" data-atelier-key="pk_…"></div>
 *   <script src="https://api.example/widget.js" async></script>
 *
 * The API base is where this script came from (override with data-atelier-api on the div).
 * The widget draws one control per zone of the product, validates while the shopper types,
 * shows a rendered preview, and on "Add to cart" freezes the design into a snapshot and
 * dispatches `atelier:add-to-cart` (bubbling) with {snapshot_id, spec_hash, properties}.
 * The server stays the judge: every rule shown here is checked again by the API.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var SCRIPT_BASE = script && script.src ? script.src.replace(/\/widget\.js(?:[?#].*)?$/, "") : "";
  var DEBOUNCE_MS = 300;
  var MAX_RETRIES = 4;
  var PREVIEW_TIMEOUT_MS = 60000;
  var counter = 0;
  // {locale: {dir, messages}}: the API fills this in from chalicelib/widget/messages/*.json
  var CATALOGS = /*ATELIER_CATALOGS*/{};

  // --- small helpers --------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    // Pages served over plain http (not localhost) have no randomUUID; getRandomValues works.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter
    ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  /** Characters as a shopper counts them: "é", a flag, a family emoji each count one. */
  function graphemes(text) {
    var plain = text.replace(/\r?\n/g, "");
    if (!segmenter) return Array.from(plain).length;
    var n = 0;
    for (var it = segmenter.segment(plain)[Symbol.iterator](), s = it.next(); !s.done; s = it.next()) n++;
    return n;
  }

  function abortError() {
    return new DOMException("The operation was aborted.", "AbortError");
  }

  function sleep(ms, signal) {
    return new Promise(function (resolve, reject) {
      if (signal && signal.aborted) return reject(abortError());
      var timer = setTimeout(resolve, ms);
      if (signal) signal.addEventListener("abort", function () {
        clearTimeout(timer);
        reject(abortError());
      }, { once: true });
    });
  }

  function ApiError(status, error) {
    error = error || {};
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || "request.failed";
    this.message = error.message || "The request failed (" + status + ").";
    this.details = error.details;
  }
  ApiError.prototype = Object.create(Error.prototype);

  /** Retry-After (seconds or a date) when the server sent one, else exponential backoff + jitter. */
  function retryDelay(attempt, response) {
    var header = response && response.headers.get("Retry-After");
    if (header) {
      var seconds = Number(header);
      var ms = isNaN(seconds) ? Date.parse(header) - Date.now() : seconds * 1000;
      if (!isNaN(ms)) return Math.max(0, Math.min(ms, 30000));
    }
    return Math.min(250 * Math.pow(2, attempt), 4000) * (0.5 + Math.random() / 2);
  }

  function retryable(response, idempotent) {
    if (response.status === 429 || response.status >= 500) return true;
    return idempotent && response.status === 409;  // our first attempt is still in flight
  }

  /**
   * One API call. Network errors, 5xx and 429 are retried with the *same* Idempotency-Key, so a
   * retry of a create that did reach the server replays its answer instead of creating twice.
   */
  function call(base, key, method, path, body, opts) {
    opts = opts || {};
    var headers = { Authorization: "Bearer " + key };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
    var init = {
      method: method, headers: headers, signal: opts.signal, credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    };
    function attempt(n) {
      return fetch(base + path, init).then(function (response) {
        if (retryable(response, !!opts.idempotencyKey) && n < MAX_RETRIES) {
          return sleep(retryDelay(n, response), opts.signal).then(function () { return attempt(n + 1); });
        }
        return response.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (!response.ok) throw new ApiError(response.status, data && data.error);
          return data;
        });
      }, function (err) {
        if (err.name === "AbortError" || n >= MAX_RETRIES) throw err;
        return sleep(retryDelay(n, null), opts.signal).then(function () { return attempt(n + 1); });
      });
    }
    return attempt(0);
  }

  // --- the widget -----------------------------------------------------------------------------

  function Widget(root) {
    this.root = root;
    this.productId = root.getAttribute("data-atelier-product");
    this.key = root.getAttribute("data-atelier-key");
    this.base = (root.getAttribute("data-atelier-api") || SCRIPT_BASE).replace(/\/+$/, "");
    this.uid = "atelier-" + (++counter);
    this.fields = {};
    this.assets = {};        // zone id -> asset id of the uploaded image
    this.snapshots = {};     // spec hash -> snapshot id of a preview
    this.cycle = null;       // AbortController of the running validate → preview cycle
    this.timer = 0;
    this.signature = null;   // inputs of the last cycle started, to skip identical ones
  }

  Widget.prototype.api = function (method, path, body, opts) {
    return call(this.base, this.key, method, path, body, opts);
  };

  Widget.prototype.emit = function (name, detail) {
    this.root.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true, composed: true }));
  };

  Widget.prototype.start = function () {
    var self = this;
    this.root.classList.add("atelier-widget");
    this.statusLine = el("p", { "class": "atelier-status", role: "status", "aria-live": "polite",
      text: "Loading…" });
    this.root.replaceChildren(this.statusLine);
    if (!this.productId || !this.key) return this.fail(new ApiError(0, {
      message: "The widget needs data-atelier-product and data-atelier-key." }));
    return this.api("GET", "/v1/widget/config/" + encodeURIComponent(this.productId)).then(
      function (config) {
        self.config = config;
        self.draw();
        self.emit("atelier:ready", { product_id: config.product_id, version: config.version });
      },
      function (err) { self.fail(err); }
    );
  };

  Widget.prototype.fail = function (err) {
    this.statusLine.textContent = "Personalization is unavailable: " + err.message;
    this.statusLine.classList.add("atelier-error");
    this.emit("atelier:error", { code: err.code, message: err.message });
  };

  Widget.prototype.draw = function () {
    var self = this;
    var config = this.config;
    this.image = el("img", { "class": "atelier-image", alt: "", hidden: true });
    this.setStatus("Fill in the fields to see a preview.");
    this.statusLine.classList.remove("atelier-error");
    var preview = el("figure", { "class": "atelier-preview" }, [
      this.image, el("figcaption", {}, [this.statusLine])
    ]);
    this.formError = el("p", { "class": "atelier-error", id: this.uid + "-form-error", "aria-live": "assertive" });
    this.button = el("button", { type: "submit", "class": "atelier-add", text: "Add to cart" });
    var form = el("form", { "class": "atelier-form", novalidate: true, "aria-label": "Personalize " + config.name,
      onsubmit: function (event) { event.preventDefault(); self.addToCart(); } });
    config.zones.forEach(function (zone) { form.appendChild(self.drawZone(zone)); });
    form.appendChild(this.formError);
    form.appendChild(this.button);
    this.root.replaceChildren(preview, form);
  };

  /** Zones the shopper types into: text (straight or on an arc) and monogram initials. */
  function isTyped(zone) { return zone.kind === "text" || zone.kind === "monogram"; }

  Widget.prototype.drawZone = function (zone) {
    var id = this.uid + "-" + zone.id;
    var field = { zone: zone, error: el("p", { "class": "atelier-error", id: id + "-error", "aria-live": "polite" }) };
    this.fields[zone.id] = field;
    var parts = isTyped(zone) ? this.textControls(zone, id, field)
      : zone.kind === "color" ? [this.colorChoice(zone, id, field, zone.name)]
        : this.imageControls(zone, id, field);
    return el("div", { "class": "atelier-field", "data-zone": zone.id }, parts.concat([field.error]));
  };

  Widget.prototype.label = function (zone, forId) {
    return el("label", { "for": forId, text: zone.name + (zone.required ? " (required)" : "") });
  };

  Widget.prototype.textControls = function (zone, id, field) {
    var self = this;
    var multi = zone.max_lines > 1;
    field.counter = el("span", { "class": "atelier-counter", id: id + "-counter" });
    field.input = el(multi ? "textarea" : "input", {
      id: id, name: zone.id, type: multi ? null : "text", rows: multi ? zone.max_lines : null,
      autocomplete: "off", spellcheck: "false", required: zone.required,
      dir: zone.direction && zone.direction !== "auto" ? zone.direction : "auto",  // Arabic, Hebrew typed as read
      "aria-describedby": id + "-counter " + id + "-error",
      oninput: function () { self.updateCounter(field); self.schedule(); },
      onkeydown: function (event) {   // Enter may not start a line the zone cannot hold
        if (multi && event.key === "Enter" && field.input.value.split("\n").length >= zone.max_lines) {
          event.preventDefault();
        }
      }
    });
    var parts = [this.label(zone, id), field.input, field.counter];
    var offered = this.config.fonts.filter(function (f) { return zone.fonts.indexOf(f.font_id) >= 0; });
    if (offered.length > 1) {
      field.font = el("select", { id: id + "-font", "aria-label": zone.name + ": font",
        onchange: function () { self.schedule(0); } },
        offered.map(function (f) {
          return el("option", { value: f.font_id, selected: f.font_id === (zone.default_font || zone.fonts[0]),
            text: (f.family + " " + f.style).trim() });
        }));
      parts.push(el("label", { "for": id + "-font", "class": "atelier-sub", text: "Font" }), field.font);
    }
    if (zone.colors.length > 1) parts.push(this.colorChoice(zone, id + "-color", field, zone.name + ": colour"));
    field.features = (zone.feature_choices || []).map(function (choice) {
      var box = el("input", { type: "checkbox", id: id + "-feature-" + choice.id, value: choice.id,
        onchange: function () { self.schedule(0); } });
      parts.push(el("label", { "for": box.id, "class": "atelier-sub" }, [box, document.createTextNode(" " + choice.name)]));
      return box;
    });
    this.updateCounter(field);
    return parts;
  };

  Widget.prototype.updateCounter = function (field) {
    var zone = field.zone;
    var value = field.input.value;
    var count = graphemes(value);
    var lines = value ? value.split("\n").length : 0;
    var max = zone.kind === "monogram" ? 3 : zone.max_chars;  // initials: at most three
    var text = count + " / " + max + " characters";
    if (zone.max_lines > 1) text += " · " + lines + " / " + zone.max_lines + " lines";
    field.counter.textContent = text;
    field.counter.classList.toggle("atelier-over", count > max || lines > (zone.max_lines || 1));
  };

  /** Radio buttons: arrow keys move between colours, the swatch is only decoration. */
  Widget.prototype.colorChoice = function (zone, id, field, legend) {
    var self = this;
    var chosen = zone.default_color || zone.colors[0];
    field.colors = zone.colors.map(function (color, i) {
      return el("input", { type: "radio", name: id, id: id + "-" + i, value: color, checked: color === chosen,
        onchange: function () { self.schedule(0); } });
    });
    return el("fieldset", { "class": "atelier-colors", "aria-describedby": field.error.id }, [
      el("legend", { text: legend })
    ].concat(zone.colors.map(function (color, i) {
      return el("label", { "for": id + "-" + i, "class": "atelier-swatch" }, [
        field.colors[i], el("span", { "class": "atelier-chip", style: "background:" + color, "aria-hidden": "true" }),
        el("span", { text: color })
      ]);
    })));
  };

  Widget.prototype.imageControls = function (zone, id, field) {
    var self = this;
    var types = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" };
    field.note = el("p", { "class": "atelier-note", id: id + "-note", "aria-live": "polite" });
    field.file = el("input", { id: id, type: "file", accept: zone.formats.map(function (f) { return types[f]; }).join(","),
      "aria-describedby": id + "-note " + id + "-error",
      onchange: function () { if (field.file.files[0]) self.upload(zone, field, field.file.files[0]); } });
    return [this.label(zone, id), field.file, field.note];
  };

  /** The asset flow: create (a presigned POST policy bound to this zone's limits) → POST the
   *  signed fields and the file to S3 (S3 itself refuses any other size or type) → complete. */
  Widget.prototype.upload = function (zone, field, file) {
    var self = this;
    var token = field.upload = {};  // a later pick of the shopper wins over this one
    field.note.textContent = "Uploading " + file.name + "…";
    delete this.assets[zone.id];
    return this.api("POST", "/v1/assets", { kind: "image", content_type: file.type || "application/octet-stream",
      filename: file.name.slice(0, 255), size_bytes: file.size, product_id: this.productId, zone_id: zone.id },
      { idempotencyKey: uuid() })
      .then(function (created) {
        var form = new FormData();
        Object.keys(created.upload.fields).forEach(function (name) { form.append(name, created.upload.fields[name]); });
        form.append("file", file);  // S3 wants the file last
        return fetch(created.upload.url, { method: "POST", body: form })
          .then(function (sent) {
            if (!sent.ok) throw new ApiError(sent.status, { message: "The upload was refused (" + sent.status + ")." });
            return self.api("POST", "/v1/assets/" + encodeURIComponent(created.asset.asset_id) + "/complete");
          });
      })
      .then(function (asset) {
        if (field.upload !== token) return;
        if (asset.status !== "ready") throw new ApiError(422, asset.error || { message: "The image was not accepted." });
        self.assets[zone.id] = asset.asset_id;
        field.note.textContent = self.dpiNote(zone, asset.facts);
        self.schedule(0);
      })
      .catch(function (err) {
        if (field.upload !== token) return;
        field.note.textContent = "";
        self.showFieldErrors(zone.id, [err.message]);
      });
  };

  /** Same formula as the server: cover is limited by the tighter side, contain by the looser. */
  Widget.prototype.dpiNote = function (zone, facts) {
    var w = facts.width_px / zone.width_mm, h = facts.height_px / zone.height_mm;
    var dpi = Math.round((zone.image_fit === "contain" ? Math.max(w, h) : Math.min(w, h)) * 25.4);
    if (dpi < zone.min_dpi) {
      return "Warning: this image prints at about " + dpi + " DPI here; " + Math.round(zone.min_dpi) +
        " DPI is needed for a sharp result. Choose a larger image.";
    }
    return "Image ready (" + dpi + " DPI at print size).";
  };

  Widget.prototype.collect = function () {
    var inputs = {};
    var self = this;
    this.config.zones.forEach(function (zone) {
      var field = self.fields[zone.id];
      var color = field.colors && field.colors.filter(function (r) { return r.checked; })[0];
      if (isTyped(zone) && field.input.value) {
        var given = { text: field.input.value };
        if (field.font) given.font = field.font.value;
        if (color) given.color = color.value;
        var chosen = (field.features || []).filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
        if (chosen.length) given.features = chosen;
        inputs[zone.id] = given;
      } else if (zone.kind === "color" && color) {
        inputs[zone.id] = { color: color.value };
      } else if (zone.kind === "image" && self.assets[zone.id]) {
        inputs[zone.id] = { asset_id: self.assets[zone.id] };
      }
    });
    return inputs;
  };

  Widget.prototype.schedule = function (delay) {
    var self = this;
    clearTimeout(this.timer);
    // The design just changed: a preview still on its way shows what the shopper no longer has.
    if (this.cycle) { this.cycle.abort(); this.cycle = null; this.signature = null; }
    if (this.statusLine.textContent !== "Updating preview…") this.setStatus("Updating preview…", true);
    this.timer = setTimeout(function () { self.refresh(); }, delay === undefined ? DEBOUNCE_MS : delay);
  };

  /** Validate, then (when valid) spec → snapshot → preview; a newer change aborts this one. */
  Widget.prototype.refresh = function () {
    var self = this;
    var inputs = this.collect();
    var signature = JSON.stringify(inputs);
    if (signature === this.signature) {  // already shown, or on its way
      if (!this.cycle) this.setStatus(this.settled);
      return Promise.resolve();
    }
    this.signature = signature;
    if (this.cycle) this.cycle.abort();
    var cycle = this.cycle = new AbortController();
    var signal = cycle.signal;
    var body = { product_id: this.productId, inputs: inputs };
    return this.api("POST", "/v1/personalization/validate", body, { signal: signal })
      .then(function (result) {
        self.showIssues(result.errors, result.warnings);
        if (!result.valid) {
          self.setStatus("Fix the highlighted fields to see a preview.");
          return null;
        }
        self.setStatus("Updating preview…", true);
        return self.specFor(inputs, signal)
          .then(function (spec) { return self.snapshotFor(spec.spec_hash, signal); })
          .then(function (snapshotId) { return self.preview(snapshotId, signal); })
          .then(function (url) { return self.showImage(url, signal); });
      })
      .catch(function (err) {
        if (signal.aborted || err.name === "AbortError") return;
        self.signature = null;  // the same inputs may be tried again
        self.setStatus("The preview is unavailable: " + err.message);
      })
      .then(function () { if (self.cycle === cycle) self.cycle = null; });
  };

  Widget.prototype.specFor = function (inputs, signal) {
    var body = { product_id: this.productId, inputs: inputs, metadata: { source: "atelier-widget" } };
    return this.api("POST", "/v1/specs", body, { signal: signal, idempotencyKey: uuid() });
  };

  /** One draft snapshot per design previewed in this page, however often it is shown. */
  Widget.prototype.snapshotFor = function (specHash, signal) {
    var self = this;
    if (this.snapshots[specHash]) return Promise.resolve(this.snapshots[specHash]);
    return this.api("POST", "/v1/snapshots", { spec_hash: specHash }, { signal: signal, idempotencyKey: uuid() })
      .then(function (snap) { self.snapshots[specHash] = snap.snapshot_id; return snap.snapshot_id; });
  };

  Widget.prototype.preview = function (snapshotId, signal) {
    var self = this;
    var deadline = Date.now() + PREVIEW_TIMEOUT_MS;
    return this.api("POST", "/v1/renders/preview", { snapshot_id: snapshotId }, { signal: signal, idempotencyKey: uuid() })
      .then(function (started) {
        var path = "/v1/renders/" + encodeURIComponent(started.render_id);
        function poll(delay) {
          return self.api("GET", path, undefined, { signal: signal }).then(function (render) {
            if (render.status === "succeeded") return self.api("GET", path + "/result", undefined, { signal: signal });
            if (render.status === "failed") throw new ApiError(422, render.error);
            if (Date.now() > deadline) throw new ApiError(504, { message: "The preview took too long." });
            return sleep(delay, signal).then(function () { return poll(Math.min(delay * 1.6, 2000)); });
          });
        }
        return poll(150);
      })
      .then(function (result) { return result.url; });
  };

  Widget.prototype.showImage = function (url, signal) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = resolve;
      img.onerror = function () { reject(new ApiError(0, { message: "The preview image did not load." })); };
      img.src = url;
    }).then(function () {
      if (signal.aborted) return;
      self.image.src = url;
      self.image.alt = "Preview of your " + self.config.name;
      self.image.hidden = false;
      self.setStatus("Preview updated.");
    });
  };

  Widget.prototype.setStatus = function (text, busy) {
    if (!busy) this.settled = text;
    this.statusLine.textContent = text;
    this.root.setAttribute("aria-busy", busy ? "true" : "false");
  };

  Widget.prototype.showIssues = function (errors, warnings) {
    var byZone = {};
    var general = [];
    (errors || []).forEach(function (e) {
      if (this.fields[e.zone_id]) (byZone[e.zone_id] = byZone[e.zone_id] || []).push(e.message);
      else general.push(e.message);
    }, this);
    (warnings || []).forEach(function (w) {
      if (this.fields[w.zone_id]) (byZone[w.zone_id] = byZone[w.zone_id] || []).push("Note: " + w.message);
    }, this);
    Object.keys(this.fields).forEach(function (zoneId) {
      var hasError = (errors || []).some(function (e) { return e.zone_id === zoneId; });
      this.showFieldErrors(zoneId, byZone[zoneId] || [], hasError);
    }, this);
    this.formError.textContent = general.join(" ");
  };

  Widget.prototype.showFieldErrors = function (zoneId, messages, invalid) {
    var field = this.fields[zoneId];
    var text = messages.join(" ");
    if (field.error.textContent !== text) field.error.textContent = text;
    var control = field.input || field.file;
    if (control) control.setAttribute("aria-invalid", invalid === false || !messages.length ? "false" : "true");
  };

  /** Freeze the design (spec → snapshot, each with its own key) and tell the shop. */
  Widget.prototype.addToCart = function () {
    var self = this;
    if (this.adding) return Promise.resolve();
    this.adding = true;
    this.button.disabled = true;
    this.formError.textContent = "";
    var inputs = this.collect();
    return this.specFor(inputs)
      .then(function (spec) {
        return self.api("POST", "/v1/snapshots", { spec_hash: spec.spec_hash }, { idempotencyKey: uuid() })
          .then(function (snap) {
            var detail = {
              snapshot_id: snap.snapshot_id,
              spec_hash: snap.spec_hash,
              product_id: self.productId,
              properties: {
                _atelier_snapshot_id: snap.snapshot_id,
                _atelier_spec_hash: snap.spec_hash,
                Personalization: self.summary(spec.spec)
              }
            };
            self.setStatus("Added to cart.");
            self.emit("atelier:add-to-cart", detail);
          });
      })
      .catch(function (err) {
        if (err.code === "spec.invalid_inputs" && err.details) {
          self.showIssues(err.details.errors, err.details.warnings);
          self.formError.textContent = "Please fix the highlighted fields first.";
          var bad = self.root.querySelector("[aria-invalid=true]");
          if (bad) bad.focus();
        } else {
          self.formError.textContent = "Could not add to cart: " + err.message;
        }
        self.emit("atelier:error", { code: err.code, message: err.message });
      })
      .then(function () { self.adding = false; self.button.disabled = false; });
  };

  /** "Name: Léa (Lato Regular, #000000); Chain colour: #D4AF37" from the stored spec. */
  Widget.prototype.summary = function (spec) {
    var fonts = {};
    this.config.fonts.forEach(function (f) { fonts[f.font_id] = (f.family + " " + f.style).trim(); });
    return this.config.zones.filter(function (zone) { return spec.zones[zone.id]; }).map(function (zone) {
      var z = spec.zones[zone.id];
      if (z.kind === "text" || z.kind === "monogram") {
        return zone.name + ": " + z.text.replace(/\n/g, " / ") + " (" + (fonts[z.font.id] || z.font.id) + ", " + z.color + ")";
      }
      if (z.kind === "color") return zone.name + ": " + z.color;
      return zone.name + ": uploaded image";
    }).join("; ");
  };

  // --- styles and start-up --------------------------------------------------------------------

  var CSS = [
    ".atelier-widget{display:flex;flex-wrap:wrap;gap:1rem;font:inherit;max-width:100%}",
    ".atelier-preview{flex:1 1 14rem;margin:0;min-width:0}",
    ".atelier-image{display:block;width:100%;height:auto;border:1px solid #ccc;border-radius:4px;background:#fff}",
    ".atelier-image[hidden]{display:none}",
    ".atelier-form{flex:1 1 16rem;min-width:0;display:flex;flex-direction:column;gap:.75rem}",
    ".atelier-field{display:flex;flex-direction:column;gap:.25rem}",
    ".atelier-field input[type=text],.atelier-field textarea,.atelier-field select{font:inherit;padding:.5rem;",
    "border:1px solid #767676;border-radius:4px;width:100%;box-sizing:border-box}",
    ".atelier-field [aria-invalid=true]{border-color:#b00020;outline-color:#b00020}",
    ".atelier-counter,.atelier-note,.atelier-sub{font-size:.85em;color:#444}",
    ".atelier-counter.atelier-over{color:#b00020;font-weight:bold}",
    ".atelier-error{color:#b00020;margin:0;font-size:.9em}.atelier-error:empty{display:none}",
    ".atelier-colors{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.5rem}",
    ".atelier-colors legend{padding:0;margin-bottom:.25rem}",
    ".atelier-swatch{display:inline-flex;align-items:center;gap:.3rem;cursor:pointer}",
    ".atelier-chip{width:1.2rem;height:1.2rem;border-radius:50%;border:1px solid #555}",
    ".atelier-add{font:inherit;padding:.75rem 1rem;border:0;border-radius:4px;background:#111;color:#fff;cursor:pointer}",
    ".atelier-add:disabled{opacity:.6}",
    ".atelier-add:focus-visible,.atelier-widget :focus-visible{outline:3px solid #1a73e8;outline-offset:2px}"
  ].join("");

  function installStyles() {
    if (document.getElementById("atelier-widget-css")) return;
    document.head.appendChild(el("style", { id: "atelier-widget-css", text: CSS }));
  }

  function scan() {
    installStyles();
    var roots = document.querySelectorAll("[data-atelier-product]:not([data-atelier-started])");
    Array.prototype.forEach.call(roots, function (root) {
      root.setAttribute("data-atelier-started", "");
      new Widget(root).start();
    });
  }

  window.AtelierWidget = { scan: scan, version: 1 };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
