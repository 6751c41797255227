/*
 * Atelier shopper widget: one script, no dependencies, no build step.
 *
 *   <div data-atelier-product="prod_…" data-atelier-key="pk_…"></div>
 *   <script src="https://api.example/widget.js" async></script>
 *
 * The API base is where this script came from (override with data-atelier-api on the div).
 * The widget draws one control per option and per zone of the product, shows and hides zones
 * as the options say (visible_when), shows the price, validates while the shopper types,
 * shows a rendered preview, and on "Add to cart" freezes the design into a snapshot and
 * dispatches `atelier:add-to-cart` (bubbling) with {snapshot_id, spec_hash, properties}.
 * When the product asks for a proof, "Add to cart" first shows the exact preview image and
 * records the shopper's confirmation on the snapshot.
 * The server stays the judge: every rule shown here is checked again by the API.
 *
 * Language: data-atelier-locale on the div, else the page's <html lang>, else English; the
 * catalogs below (one per language, with its text direction) are filled in by the API, and a
 * brand may reword any message, zone or option per product (its `labels`).
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

  var INVISIBLE = /[\p{Cc}\p{Cf}]/gu;   // dropped by the server, except line breaks, joiners, tags
  var KEPT = /^[\n\u200c\u200d\u{e0020}-\u{e007f}]$/u;
  var STRAY_JOINER = /(^|\s)[\u200c\u200d]+/g;   // a joiner with no letter before it goes too

  /** The text as the server counts it (chalicelib.domain.text.normalize_text): line breaks
   * unified, tabs to spaces, controls/bidi/zero-width/format characters gone, NFC, the zone's case,
   * whitespace runs collapsed, each line trimmed, blank lines at both ends dropped. */
  function serverLines(text, zoneCase) {
    var s = text.replace(/\r\n?|[\u2028\u2029]/g, "\n").replace(/\t/g, " ");
    s = s.replace(INVISIBLE, function (ch) { return KEPT.test(ch) ? ch : ""; });
    s = s.normalize("NFC");
    if (zoneCase === "upper") s = s.toUpperCase().normalize("NFC");
    else if (zoneCase === "lower") s = s.toLowerCase().normalize("NFC");
    var lines = s.split("\n").map(function (line) {
      return line.split(/\s+/).filter(Boolean).join(" ").replace(STRAY_JOINER, "$1");
    });
    while (lines.length && !lines[0]) lines.shift();
    while (lines.length && !lines[lines.length - 1]) lines.pop();
    return lines;
  }

  /** Characters as a shopper (and the server's max_chars) counts them: extended grapheme
   * clusters, so "é", a flag, a family emoji, a Devanagari conjunct ("क्षि") or an Arabic letter
   * with its harakat each count one; line breaks do not count. */
  function graphemes(text, zoneCase) {
    var plain = serverLines(text, zoneCase).join("");
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


  // --- messages -------------------------------------------------------------------------------

  /** The shopper's language: data-atelier-locale, else the page's <html lang>, else English. */
  function requestedLocale(root) {
    var asked = root.getAttribute("data-atelier-locale") || document.documentElement.lang || "en";
    return asked.trim().toLowerCase().replace(/_/g, "-") || "en";
  }

  /** The catalog for a locale: its own ("pt-br"), else its language's ("fr" for "fr-ca"), else en. */
  function catalogLocale(requested) {
    if (CATALOGS[requested]) return requested;
    var lang = requested.split("-")[0];
    return CATALOGS[lang] ? lang : "en";
  }

  /**
   * Texts in one language. Lookup order: the brand's labels for the exact locale, then for its
   * language, then the catalog, then English. `{name}` placeholders are filled from params;
   * numbers are written the locale's way, lists joined by spaces.
   */
  function Messages(requested, labels) {
    this.requested = requested;
    this.locale = catalogLocale(requested);
    var catalog = CATALOGS[this.locale] || {};
    this.dir = catalog.dir === "rtl" ? "rtl" : "ltr";
    labels = labels || {};
    var lang = requested.split("-")[0];
    this.sources = [labels[requested], labels[lang], catalog.messages, (CATALOGS.en || {}).messages];
    try {
      this.numbers = new Intl.NumberFormat([requested, this.locale], { maximumFractionDigits: 0 });
    } catch (e) {
      this.numbers = new Intl.NumberFormat(this.locale, { maximumFractionDigits: 0 });
    }
  }

  Messages.prototype.lookup = function (key) {
    for (var i = 0; i < this.sources.length; i++) {
      var source = this.sources[i];
      if (source && Object.prototype.hasOwnProperty.call(source, key) && typeof source[key] === "string") {
        return source[key];
      }
    }
    return null;
  };

  Messages.prototype.fill = function (text, params) {
    var self = this;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? self.param(params[name]) : whole;
    });
  };

  Messages.prototype.param = function (value) {
    if (Array.isArray(value)) return value.map(this.param, this).join(" ");
    if (typeof value === "number") return this.numbers.format(value);
    return String(value);
  };

  Messages.prototype.t = function (key, params) {
    var text = this.lookup(key);
    return this.fill(text === null ? key : text, params);
  };

  /** An API error (code + params) in the shopper's language; the API's message when the
   *  catalog has no text for the code. */
  Messages.prototype.error = function (code, params, message) {
    var text = code ? this.lookup("error." + code) : null;
    if (text === null) return message || this.t("error.request.failed", { status: "?" });
    return this.fill(text, params || {});
  };

  /** A zone's or option's name as the brand words it in this language, else as the product says. */
  Messages.prototype.named = function (key, fallback) {
    var text = this.lookup(key);
    return text === null ? fallback : text;
  };

  /** Whether a visible_when ({"all"|"any": [{option, equals|in}]}) holds for these choices;
   *  the server's reading (chalicelib/domain/options.py): a hidden option's rule is false. */
  function visibleFor(condition, chosen) {
    if (!condition) return true;
    var rules = condition.all || condition.any || [];
    var results = rules.map(function (rule) {
      var values = rule.equals !== undefined && rule.equals !== null ? [rule.equals] : (rule["in"] || []);
      return Object.prototype.hasOwnProperty.call(chosen, rule.option) && values.indexOf(chosen[rule.option]) >= 0;
    });
    return condition.all ? results.every(Boolean) : results.some(Boolean);
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  // --- the widget -----------------------------------------------------------------------------

  function Widget(root) {
    this.root = root;
    this.productId = root.getAttribute("data-atelier-product");
    this.key = root.getAttribute("data-atelier-key");
    this.base = (root.getAttribute("data-atelier-api") || SCRIPT_BASE).replace(/\/+$/, "");
    this.uid = "atelier-" + (++counter);
    this.m = new Messages(requestedLocale(root), null);
    this.fields = {};
    this.optionFields = {};
    this.assets = {};        // zone id -> asset id of the uploaded image
    this.snapshots = {};     // spec hash -> snapshot id of a preview
    this.cycle = null;       // AbortController of the running validate → preview cycle
    this.timer = 0;
    this.signature = null;   // inputs of the last cycle started, to skip identical ones
    this.shown = null;       // the preview on screen: {signature, renderId, url, sha256}
    this.invalid = null;     // signature of the last design the server found invalid
  }

  Widget.prototype.t = function (key, params) { return this.m.t(key, params); };

  Widget.prototype.api = function (method, path, body, opts) {
    return call(this.base, this.key, method, path, body, opts);
  };

  Widget.prototype.emit = function (name, detail) {
    this.root.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true, composed: true }));
  };

  /** An error as the shopper reads it: translated by its code, with its params. */
  Widget.prototype.say = function (err) {
    var params = (err.details && err.details.params) || { status: err.status };
    return this.m.error(err.code, params, err.message);
  };

  Widget.prototype.localize = function () {
    this.root.setAttribute("lang", this.m.requested);
    this.root.setAttribute("dir", this.m.dir);   // the layout mirrors for Arabic and Hebrew
  };

  Widget.prototype.start = function () {
    var self = this;
    this.root.classList.add("atelier-widget");
    this.localize();
    this.statusLine = el("p", { "class": "atelier-status", role: "status", "aria-live": "polite",
      text: this.t("status.loading") });
    this.root.replaceChildren(this.statusLine);
    if (!this.productId || !this.key) return this.fail(new ApiError(0, {
      code: "widget.needs_attributes", message: this.t("widget.needs_attributes") }));
    return this.api("GET", "/v1/widget/config/" + encodeURIComponent(this.productId)).then(
      function (config) {
        self.config = config;
        self.m = new Messages(self.m.requested, config.labels);
        self.localize();
        self.draw();
        self.emit("atelier:ready", { product_id: config.product_id, version: config.version,
          locale: self.m.locale, dir: self.m.dir });
      },
      function (err) { self.fail(err); }
    );
  };

  Widget.prototype.fail = function (err) {
    this.statusLine.textContent = this.t("status.unavailable", { message: this.say(err) });
    this.statusLine.classList.add("atelier-error");
    this.emit("atelier:error", { code: err.code, message: err.message });
  };

  Widget.prototype.zoneName = function (zone) { return this.m.named("zone:" + zone.id, zone.name); };

  Widget.prototype.draw = function () {
    var self = this;
    var config = this.config;
    this.image = el("img", { "class": "atelier-image", alt: "", hidden: true });
    this.setStatus(this.t("status.fill_in"));
    this.statusLine.classList.remove("atelier-error");
    var preview = el("figure", { "class": "atelier-preview" }, [
      this.drawSides(), el("div", { "class": "atelier-stage" }, [this.image, this.drawDieLine()]),
      el("figcaption", {}, [this.statusLine])
    ]);
    this.priceBox = el("p", { "class": "atelier-price", "aria-live": "polite", hidden: true });
    this.formError = el("p", { "class": "atelier-error", id: this.uid + "-form-error", "aria-live": "assertive" });
    this.button = el("button", { type: "submit", "class": "atelier-add", text: this.t("cart.add") });
    var form = el("form", { "class": "atelier-form", novalidate: true,
      "aria-label": this.t("form.label", { product: config.name }),
      onsubmit: function (event) { event.preventDefault(); self.addToCart(); } });
    (config.options || []).forEach(function (option) { form.appendChild(self.drawOption(option)); });
    config.zones.forEach(function (zone) { form.appendChild(self.drawZone(zone)); });
    form.appendChild(this.priceBox);
    form.appendChild(this.formError);
    form.appendChild(this.button);
    this.root.replaceChildren(preview, form);
    this.applyChoices();
  };

  // --- die line --------------------------------------------------------------------------------

  var SVG_NS = "http://www.w3.org/2000/svg";

  /** The cut outline over the preview: an SVG whose viewBox is the side's artboard in mm, laid
   *  on the image's content box, drawing the path the server derived from the die line (the same
   *  segments the pack cuts). Hidden until a preview shows, and on the all-sides sheet. */
  Widget.prototype.drawDieLine = function () {
    this.dieSvg = document.createElementNS(SVG_NS, "svg");
    this.dieSvg.setAttribute("class", "atelier-dieline");
    this.dieSvg.setAttribute("aria-hidden", "true");
    this.dieSvg.setAttribute("preserveAspectRatio", "none");
    this.diePath = document.createElementNS(SVG_NS, "path");
    this.diePath.setAttribute("vector-effect", "non-scaling-stroke");
    this.dieSvg.appendChild(this.diePath);
    this.dieSvg.style.display = "none";
    return this.dieSvg;
  };

  Widget.prototype.showDieLine = function (sideId) {
    var sides = this.config.sides || [];
    var side = sides.filter(function (s) { return s.id === sideId; })[0] || (sideId ? null : sides[0]);
    var d = side && (this.config.die_line_paths || {})[side.id];
    if (!d) {
      this.dieSvg.style.display = "none";
      this.dieSvg.removeAttribute("data-side");
      return;
    }
    this.dieSvg.setAttribute("viewBox", "0 0 " + side.width_mm + " " + side.height_mm);
    this.dieSvg.setAttribute("data-side", side.id);
    this.diePath.setAttribute("d", d);
    this.dieSvg.style.display = "";
  };

  // --- sides -----------------------------------------------------------------------------------

  /** A product with several sides (front, back…) gets a tab per side and one for all of them (a
   *  contact sheet); the preview shows the chosen one. One side: nothing, as before sides. */
  Widget.prototype.drawSides = function () {
    var self = this;
    var sides = this.config.sides || [];
    this.side = null;
    this.sideTabs = {};
    if (sides.length < 2) return null;
    var tabs = sides.map(function (side) {
      return { id: side.id, name: self.m.named("side:" + side.id, side.name), side: side };
    }).concat([{ id: "all", name: this.t("side.all"), side: null }]);
    this.side = sides[0].id;
    return el("div", { "class": "atelier-sides", role: "tablist", "aria-label": this.t("side.label") },
      tabs.map(function (tab) {
        var button = el("button", { type: "button", role: "tab", "class": "atelier-side", "data-side": tab.id,
          "aria-selected": tab.id === self.side ? "true" : "false", text: tab.name,
          onclick: function () { self.showSide(tab.id); } });
        self.sideTabs[tab.id] = { button: button, side: tab.side };
        return button;
      }));
  };

  Widget.prototype.showSide = function (sideId) {
    if (this.side === sideId) return;
    this.side = sideId;
    Object.keys(this.sideTabs).forEach(function (id) {
      this.sideTabs[id].button.setAttribute("aria-selected", id === sideId ? "true" : "false");
    }, this);
    this.schedule(0);
  };

  /** Sides may depend on the choices too (visible_when): a hidden side's tab goes away. */
  Widget.prototype.applySides = function (chosen) {
    var current = this.sideTabs[this.side];
    var firstShown = null;
    Object.keys(this.sideTabs).forEach(function (id) {
      var tab = this.sideTabs[id];
      tab.button.hidden = !!(tab.side && !visibleFor(tab.side.visible_when, chosen));
      if (!tab.button.hidden && firstShown === null) firstShown = id;
    }, this);
    if (current && current.button.hidden && firstShown) this.showSide(firstShown);
  };

  // --- options, conditions, prices --------------------------------------------------------------

  Widget.prototype.money = function (minor) {
    var currency = this.config.currency;
    if (!currency) return null;
    var format;
    try {
      format = new Intl.NumberFormat([this.m.requested, this.m.locale], { style: "currency", currency: currency });
    } catch (e) {
      format = new Intl.NumberFormat(this.m.locale, { style: "currency", currency: currency });
    }
    var digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(minor / Math.pow(10, digits));
  };

  Widget.prototype.valueLabel = function (option, value) {
    var name = this.m.named("option:" + option.id + ":" + value.id, value.name);
    var amount = value.price_minor ? this.money(value.price_minor) : null;
    return amount ? name + " (" + this.t("price.addon", { amount: amount }) + ")" : name;
  };

  /** A value's uploaded swatch image, through the API's swatch route (the brand's assets are
   *  private: the route answers a 302 to a short-lived signed URL), or null without one. */
  Widget.prototype.swatchImage = function (option, value) {
    var path = ((this.config.swatch_images || {})[option.id] || {})[value.id];
    if (!path) return null;
    return el("img", { "class": "atelier-chip atelier-swatch-img", src: this.base + path + "?key=" + encodeURIComponent(this.key),
      alt: this.m.named("option:" + option.id + ":" + value.id, value.name), width: 24, height: 24 });
  };

  /** Select: a list; swatch: radio buttons with the colour or image and the name; toggle: a checkbox
   *  (values[0] is off, values[1] on). */
  Widget.prototype.drawOption = function (option) {
    var self = this;
    var id = this.uid + "-option-" + option.id;
    var field = { option: option, error: el("p", { "class": "atelier-error", id: id + "-error", "aria-live": "polite" }) };
    this.optionFields[option.id] = field;
    var name = this.m.named("option:" + option.id, option.name);
    var chosen = option["default"] || option.values[0].id;
    var changed = function () { self.applyChoices(); self.schedule(0); };
    var parts;
    if (option.kind === "toggle" && option.values.length > 1) {
      var off = option.values[0], on = option.values[1];
      field.control = el("input", { type: "checkbox", id: id, checked: chosen === on.id, onchange: changed,
        "aria-describedby": field.error.id });
      var amount = on.price_minor ? this.money(on.price_minor) : null;
      parts = [el("label", { "for": id, "class": "atelier-toggle" }, [field.control,
        document.createTextNode(" " + name + (amount ? " (" + this.t("price.addon", { amount: amount }) + ")" : ""))])];
      field.value = function () { return field.control.checked ? on.id : off.id; };
    } else if (option.kind === "swatch") {
      field.radios = option.values.map(function (value, i) {
        return el("input", { type: "radio", name: id, id: id + "-" + i, value: value.id,
          checked: value.id === chosen, onchange: changed });
      });
      parts = [el("fieldset", { "class": "atelier-colors", "aria-describedby": field.error.id },
        [el("legend", { text: name })].concat(option.values.map(function (value, i) {
          return el("label", { "for": id + "-" + i, "class": "atelier-swatch" }, [
            field.radios[i],
            self.swatchImage(option, value) || (value.swatch_color ? el("span", { "class": "atelier-chip",
              style: "background:" + value.swatch_color, "aria-hidden": "true" }) : null),
            el("span", { text: self.valueLabel(option, value) })
          ]);
        })))];
      field.value = function () {
        var on = field.radios.filter(function (r) { return r.checked; })[0];
        return on ? on.value : chosen;
      };
    } else {
      field.control = el("select", { id: id, onchange: changed, "aria-describedby": field.error.id },
        option.values.map(function (value) {
          return el("option", { value: value.id, selected: value.id === chosen, text: self.valueLabel(option, value) });
        }));
      parts = [el("label", { "for": id, text: name }), field.control];
      field.value = function () { return field.control.value; };
    }
    field.node = el("div", { "class": "atelier-field atelier-option", "data-option": option.id },
      parts.concat([field.error]));
    return field.node;
  };

  /** The shopper's choices as the server resolves them: in product order, hidden options left out. */
  Widget.prototype.choices = function () {
    var chosen = {};
    (this.config.options || []).forEach(function (option) {
      if (visibleFor(option.visible_when, chosen)) chosen[option.id] = this.optionFields[option.id].value();
    }, this);
    return chosen;
  };

  /** Show and hide options and zones for the current choices, and the price they make. */
  Widget.prototype.applyChoices = function () {
    var chosen = {};
    (this.config.options || []).forEach(function (option) {
      var field = this.optionFields[option.id];
      field.node.hidden = !visibleFor(option.visible_when, chosen);
      if (!field.node.hidden) chosen[option.id] = field.value();
    }, this);
    this.config.zones.forEach(function (zone) {
      var field = this.fields[zone.id];
      field.node.hidden = !visibleFor(zone.visible_when, chosen);
      field.node.setAttribute("aria-hidden", field.node.hidden ? "true" : "false");
    }, this);
    if (this.side) this.applySides(chosen);
    this.showPrice(this.localPrice(chosen));
  };

  /** Base + chosen values' add-ons + add-ons of visible zones with content (domain/options.py
   *  price_of), shown at once; the server's price replaces it after each validation. */
  Widget.prototype.localPrice = function (chosen) {
    var config = this.config;
    if (config.base_price_minor === null || config.base_price_minor === undefined) return null;
    var total = config.base_price_minor;
    (config.options || []).forEach(function (option) {
      var value = option.values.filter(function (v) { return v.id === chosen[option.id]; })[0];
      if (value) total += value.price_minor || 0;
    });
    var inputs = this.collect();
    config.zones.forEach(function (zone) { if (inputs[zone.id]) total += zone.price_minor || 0; });
    return { currency: config.currency, includes_tax: config.prices_include_tax, total_minor: total, lines: [] };
  };

  Widget.prototype.showPrice = function (price) {
    if (!price || !price.currency) { this.priceBox.hidden = true; return; }
    var self = this;
    var lines = (price.lines || []).map(function (line) {
      return (line.value_name ? line.name + ": " + line.value_name : line.name) + " " +
        self.t("price.addon", { amount: self.money(line.amount_minor) });
    });
    var parts = [
      el("span", { "class": "atelier-price-label", text: this.t("price.label") + " " }),
      el("strong", { "class": "atelier-price-total", "data-total-minor": String(price.total_minor),
        text: this.money(price.total_minor) }),
      el("span", { "class": "atelier-tax", text: " · " + this.t(price.includes_tax ? "price.tax_included" : "price.tax_excluded") }),
      lines.length ? el("span", { "class": "atelier-price-lines", text: " (" + this.t("price.base") + " " +
        this.money(price.base_minor) + ", " + lines.join(", ") + ")" }) : null
    ];
    this.priceBox.replaceChildren.apply(this.priceBox, parts.filter(Boolean));
    this.priceBox.hidden = false;
  };

  // --- zones ------------------------------------------------------------------------------------

  /** Zones the shopper types into: text (straight or on an arc) and monogram initials. */
  function isTyped(zone) { return zone.kind === "text" || zone.kind === "monogram"; }

  Widget.prototype.drawZone = function (zone) {
    var id = this.uid + "-" + zone.id;
    var field = { zone: zone, error: el("p", { "class": "atelier-error", id: id + "-error", "aria-live": "polite" }) };
    this.fields[zone.id] = field;
    var parts = isTyped(zone) ? this.textControls(zone, id, field)
      : zone.kind === "color" ? [this.colorChoice(zone, id, field, this.zoneName(zone))]
        : this.imageControls(zone, id, field);
    field.node = el("div", { "class": "atelier-field", "data-zone": zone.id }, parts.concat([field.error]));
    return field.node;
  };

  Widget.prototype.label = function (zone, forId) {
    var name = this.zoneName(zone);
    return el("label", { "for": forId, text: zone.required ? this.t("field.required", { name: name }) : name });
  };

  Widget.prototype.textControls = function (zone, id, field) {
    var self = this;
    var multi = zone.max_lines > 1;
    field.counter = el("span", { "class": "atelier-counter", id: id + "-counter" });
    field.input = el(multi ? "textarea" : "input", {
      id: id, name: zone.id, type: multi ? null : "text", rows: multi ? zone.max_lines : null,
      autocomplete: "off", spellcheck: "false", required: zone.required,
      dir: zone.direction && zone.direction !== "auto" ? zone.direction : "auto",  // Arabic, Hebrew typed as read
      "class": zone.kind === "monogram" ? "atelier-initials" : null,  // shown upper-cased, as engraved
      autocapitalize: zone.kind === "monogram" ? "characters" : null,
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
    var name = this.zoneName(zone);
    if (offered.length > 1) {
      field.font = el("select", { id: id + "-font", "aria-label": this.t("field.font_of", { name: name }),
        onchange: function () { self.schedule(0); } },
        offered.map(function (f) {
          return el("option", { value: f.font_id, selected: f.font_id === (zone.default_font || zone.fonts[0]),
            text: (f.family + " " + f.style).trim() });
        }));
      parts.push(el("label", { "for": id + "-font", "class": "atelier-sub", text: this.t("field.font") }), field.font);
    }
    if (zone.colors.length > 1) {
      parts.push(this.colorChoice(zone, id + "-color", field, this.t("field.colour_of", { name: name })));
    }
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
    if (zone.kind === "monogram") {   // as chalicelib.domain.monogram.read_initials: no spaces
      var initials = graphemes(value.replace(/\s+/g, ""), "upper");
      var allowed = zone.layout === "block" ? [2, 3] : [3];
      field.counter.textContent = this.t("counter.initials", { count: initials, max: 3 });
      field.counter.classList.toggle("atelier-over", initials > 0 && allowed.indexOf(initials) < 0);
      return;
    }
    var count = graphemes(value, zone.case);
    var lines = value ? value.split("\n").length : 0;
    var max = zone.max_chars;
    var text = this.t("counter.characters", { count: count, max: max });
    if (zone.max_lines > 1) text += " · " + this.t("counter.lines", { count: lines, max: zone.max_lines });
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
    field.frameBox = el("div", { "class": "atelier-framing", hidden: true });
    var parts = [this.label(zone, id), field.file, field.note, field.frameBox];
    if ((this.config.burn_preview_zones || []).indexOf(zone.id) >= 0) {  // issue 21: say what is shown
      parts.push(el("p", { "class": "atelier-note atelier-burn-note", text: this.t("upload.burn_note") }));
    }
    return parts;
  };

  /** The asset flow: create (a presigned POST policy bound to this zone's limits) → POST the
   *  signed fields and the file to S3 (S3 itself refuses any other size or type) → complete. */
  Widget.prototype.upload = function (zone, field, file) {
    var self = this;
    var token = field.upload = {};  // a later pick of the shopper wins over this one
    field.note.textContent = this.t("upload.uploading", { file: file.name });
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
            if (!sent.ok) throw new ApiError(sent.status, { code: "upload.refused", message: self.t("upload.refused", { status: sent.status }) });
            return self.api("POST", "/v1/assets/" + encodeURIComponent(created.asset.asset_id) + "/complete");
          });
      })
      .then(function (asset) {
        if (field.upload !== token) return;
        if (asset.status !== "ready") throw new ApiError(422, asset.error || { code: "upload.not_accepted", message: self.t("upload.not_accepted") });
        self.assets[zone.id] = asset.asset_id;
        field.note.textContent = self.dpiNote(zone, asset.facts);
        self.startFraming(zone, field, file, asset.facts);
        self.schedule(0);
      })
      .catch(function (err) {
        if (field.upload !== token) return;
        field.note.textContent = "";
        self.showFieldErrors(zone.id, [self.say(err)]);
      });
  };

  /** Same formula as the server: cover is limited by the tighter side, contain by the looser. */
  Widget.prototype.dpiNote = function (zone, facts) {
    var w = facts.width_px / zone.width_mm, h = facts.height_px / zone.height_mm;
    var dpi = Math.round((zone.image_fit === "contain" ? Math.max(w, h) : Math.min(w, h)) * 25.4);
    if (dpi < zone.min_dpi) return this.t("dpi.low", { dpi: dpi, min: Math.round(zone.min_dpi) });
    return this.t("dpi.ok", { dpi: dpi });
  };

  /** The inputs of the visible zones (a hidden zone's input would be refused: it is not made). */
  Widget.prototype.collect = function () {
    var inputs = {};
    var self = this;
    this.config.zones.forEach(function (zone) {
      var field = self.fields[zone.id];
      if (field.node && field.node.hidden) return;
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
        var framing = field.framer && field.framer.value();
        if (framing) inputs[zone.id].framing = framing;
        var adjust = field.framer && field.framer.adjust();
        if (adjust) inputs[zone.id].adjust = adjust;
      }
    });
    return inputs;
  };

  /** The design as the API takes it: inputs, and the choices when the product has options. */
  Widget.prototype.design = function () {
    var body = { product_id: this.productId, inputs: this.collect() };
    if ((this.config.options || []).length) body.options = this.choices();
    return body;
  };

  Widget.prototype.schedule = function (delay) {
    var self = this;
    clearTimeout(this.timer);
    // The design just changed: a preview still on its way shows what the shopper no longer has.
    if (this.cycle) { this.cycle.abort(); this.cycle = null; this.signature = null; }
    var updating = this.t("status.updating");
    if (this.statusLine.textContent !== updating) this.setStatus(updating, true);
    this.timer = setTimeout(function () { self.refresh(); }, delay === undefined ? DEBOUNCE_MS : delay);
  };

  /** Validate, then (when valid) spec → snapshot → preview; a newer change aborts this one. */
  Widget.prototype.refresh = function () {
    var self = this;
    var design = this.design();
    var signature = JSON.stringify(design);
    var side = this.side;
    var key = signature + "|" + (side || "");  // the same design on another side is another picture
    this.showPrice(this.localPrice(design.options || {}));
    if (key === this.signature) {  // already shown, or on its way
      if (!this.cycle) this.setStatus(this.settled);
      return Promise.resolve();
    }
    this.signature = key;
    if (this.cycle) this.cycle.abort();
    var cycle = this.cycle = new AbortController();
    var signal = cycle.signal;
    return this.api("POST", "/v1/personalization/validate", design, { signal: signal })
      .then(function (result) {
        self.showIssues(result.errors, result.warnings);
        if (result.price) self.showPrice(result.price);  // the server's word on the price
        if (!result.valid) {
          self.invalid = signature;
          self.setStatus(self.t("status.fix_fields"));
          return null;
        }
        self.invalid = null;
        self.setStatus(self.t("status.updating"), true);
        return self.specFor(design, signal)
          .then(function (spec) { return self.snapshotFor(spec.spec_hash, signal); })
          .then(function (snapshotId) {
            return self.preview(snapshotId, signal, side)
              .then(function (shown) {
                shown.snapshotId = snapshotId;
                shown.side = side;
                return self.showImage(shown, signature, signal);
              })
              .then(function () { self.show3d(snapshotId, signal); });  // not awaited: 2D first
          });
      })
      .catch(function (err) {
        if (signal.aborted || err.name === "AbortError") return;
        self.signature = null;  // the same inputs may be tried again
        self.setStatus(self.t("status.preview_unavailable", { message: self.say(err) }));
      })
      .then(function () { if (self.cycle === cycle) self.cycle = null; });
  };

  Widget.prototype.specFor = function (design, signal) {
    var body = { product_id: design.product_id, inputs: design.inputs, metadata: { source: "atelier-widget" } };
    if (design.options) body.options = design.options;
    return this.api("POST", "/v1/specs", body, { signal: signal, idempotencyKey: uuid() });
  };

  /** One draft snapshot per design previewed in this page, however often it is shown. */
  Widget.prototype.snapshotFor = function (specHash, signal) {
    var self = this;
    if (this.snapshots[specHash]) return Promise.resolve(this.snapshots[specHash]);
    return this.api("POST", "/v1/snapshots", { spec_hash: specHash }, { signal: signal, idempotencyKey: uuid() })
      .then(function (snap) { self.snapshots[specHash] = snap.snapshot_id; return snap.snapshot_id; });
  };

  /** Queue a preview and poll it; resolves to {renderId, url, sha256} of the image. */
  Widget.prototype.preview = function (snapshotId, signal, side) {
    var self = this;
    var deadline = Date.now() + PREVIEW_TIMEOUT_MS;
    var body = { snapshot_id: snapshotId };
    // The first side is the server's default: left out, its previews keep the content address
    // they had before the product had sides (and stay cached).
    var first = (this.config.sides || [])[0];
    if (side && !(first && side === first.id)) body.options = { side: side };
    return this.api("POST", "/v1/renders/preview", body, { signal: signal, idempotencyKey: uuid() })
      .then(function (started) {
        var path = "/v1/renders/" + encodeURIComponent(started.render_id);
        function poll(delay) {
          return self.api("GET", path, undefined, { signal: signal }).then(function (render) {
            if (render.status === "succeeded") return self.api("GET", path + "/result", undefined, { signal: signal });
            if (render.status === "failed") throw new ApiError(422, render.error);
            if (Date.now() > deadline) throw new ApiError(504, { code: "preview.too_long", message: self.t("preview.too_long") });
            return sleep(delay, signal).then(function () { return poll(Math.min(delay * 1.6, 2000)); });
          });
        }
        return poll(150).then(function (result) {
          return { renderId: started.render_id, url: result.url, sha256: result.sha256 };
        });
      });
  };

  Widget.prototype.showImage = function (shown, signature, signal) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = resolve;
      img.onerror = function () { reject(new ApiError(0, { code: "preview.image_failed", message: self.t("preview.image_failed") })); };
      img.src = shown.url;
    }).then(function () {
      if (signal.aborted) return;
      self.image.src = shown.url;
      self.image.setAttribute("data-render", shown.renderId);
      self.image.alt = self.t("preview.alt", { product: self.config.name });
      self.image.hidden = false;
      self.shown = { signature: signature, renderId: shown.renderId, url: shown.url, sha256: shown.sha256,
        snapshotId: shown.snapshotId, side: shown.side };
      self.root.setAttribute("data-side", shown.side || "");
      self.showDieLine(shown.side);
      self.setStatus(self.t("status.updated"));
    });
  };

  Widget.prototype.setStatus = function (text, busy) {
    if (!busy) this.settled = text;
    this.statusLine.textContent = text;
    this.root.setAttribute("aria-busy", busy ? "true" : "false");
  };

  /** Errors and warnings next to their zone or option, the rest under the form; each in the
   *  shopper's language (by code and params), or as the API wrote it for an unknown code. */
  Widget.prototype.showIssues = function (errors, warnings) {
    var byZone = {}, byOption = {};
    var general = [];
    var m = this.m;
    (errors || []).forEach(function (e) {
      var text = m.error(e.code, e.params, e.message);
      if (this.fields[e.zone_id]) (byZone[e.zone_id] = byZone[e.zone_id] || []).push(text);
      else if (this.optionFields[e.option_id]) (byOption[e.option_id] = byOption[e.option_id] || []).push(text);
      else general.push(text);
    }, this);
    (warnings || []).forEach(function (w) {
      var text = m.t("note", { message: m.error(w.code, w.params, w.message) });
      if (this.fields[w.zone_id]) (byZone[w.zone_id] = byZone[w.zone_id] || []).push(text);
    }, this);
    Object.keys(this.fields).forEach(function (zoneId) {
      var hasError = (errors || []).some(function (e) { return e.zone_id === zoneId; });
      this.showFieldErrors(zoneId, byZone[zoneId] || [], hasError);
    }, this);
    Object.keys(this.optionFields).forEach(function (optionId) {
      this.optionFields[optionId].error.textContent = (byOption[optionId] || []).join(" ");
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

  // --- add to cart, with the proof when the brand asks for it ------------------------------------

  Widget.prototype.addToCart = function () {
    if (this.adding) return Promise.resolve();
    if (this.config.require_proof) return this.openProof();
    return this.commit(null);
  };

  Widget.prototype.busy = function (on) {
    this.adding = on;
    this.button.disabled = on;
  };

  /** The proof is the preview on screen, of exactly the current design: its bytes are fetched
   *  again (a fresh URL), hashed, and shown from those very bytes; the hash is what the
   *  shopper confirms and what the server checks against its stored preview. */
  Widget.prototype.openProof = function () {
    var self = this;
    var signature = JSON.stringify(this.design());
    this.formError.textContent = "";
    if (this.invalid === signature) {
      this.formError.textContent = this.t("cart.fix_first");
      var bad = this.root.querySelector("[aria-invalid=true]");
      if (bad) bad.focus();
      return Promise.resolve();
    }
    if (!this.shown || this.shown.signature !== signature || this.cycle) {
      this.formError.textContent = this.t("proof.wait");
      return Promise.resolve();
    }
    var shown = this.shown;
    this.busy(true);
    // Several sides: the proof is every side at once (the contact sheet), whichever is on screen.
    var sheet = this.side && shown.side !== "all"
      ? this.preview(shown.snapshotId, undefined, "all").then(function (all) {
        shown = { signature: shown.signature, renderId: all.renderId, side: "all" };
      })
      : Promise.resolve();
    return sheet
      .then(function () { return self.api("GET", "/v1/renders/" + encodeURIComponent(shown.renderId) + "/result"); })
      .then(function (result) {
        if (!(window.crypto && crypto.subtle)) {  // not a secure context: the server's digest
          return { url: result.url, sha256: result.sha256 };
        }
        return fetch(result.url, { credentials: "omit" })
          .then(function (response) {
            if (!response.ok) throw new ApiError(response.status, { code: "preview.image_failed", message: self.t("preview.image_failed") });
            return response.blob();
          })
          .then(function (blob) {
            return blob.arrayBuffer().then(function (bytes) { return crypto.subtle.digest("SHA-256", bytes); })
              .then(function (digest) { return { url: URL.createObjectURL(blob), sha256: hex(digest), local: true }; });
          });
      })
      .then(function (proof) { self.showProof(shown, proof, signature); })
      .catch(function (err) {
        self.formError.textContent = self.t("cart.failed", { message: self.say(err) });
        self.busy(false);
      });
  };

  Widget.prototype.showProof = function (shown, proof, signature) {
    var self = this;
    var id = this.uid + "-proof";
    var inputs = this.collect();
    var texts = this.config.zones.filter(function (zone) { return isTyped(zone) && inputs[zone.id]; });
    var check = el("input", { type: "checkbox", id: id + "-check" });
    var confirm = el("button", { type: "button", "class": "atelier-add atelier-confirm", disabled: true, text: this.t("proof.confirm") });
    var back = el("button", { type: "button", "class": "atelier-back", text: this.t("proof.back") });
    var error = el("p", { "class": "atelier-error", "aria-live": "assertive" });
    var dialog = el("div", { "class": "atelier-proof", role: "dialog", "aria-modal": "true",
      "aria-labelledby": id + "-title", "data-sha256": proof.sha256 }, [
      el("div", { "class": "atelier-proof-box" }, [
        el("h2", { id: id + "-title", text: this.t("proof.title") }),
        el("img", { "class": "atelier-proof-image", src: proof.url, alt: this.t("proof.image_alt", { product: this.config.name }) }),
        el("p", { text: this.t("proof.intro") }),
        texts.length ? el("dl", { "class": "atelier-proof-text" }, texts.reduce(function (all, zone) {
          return all.concat([el("dt", { text: self.zoneName(zone) }),
            el("dd", { dir: "auto", text: inputs[zone.id].text })]);
        }, [])) : null,
        el("label", { "for": check.id, "class": "atelier-proof-check" }, [check, document.createTextNode(" " + this.t("proof.check"))]),
        error,
        el("div", { "class": "atelier-proof-actions" }, [back, confirm])
      ])
    ]);
    function close() {
      dialog.remove();
      if (proof.local) URL.revokeObjectURL(proof.url);
      self.busy(false);
      self.button.focus();
    }
    check.addEventListener("change", function () { confirm.disabled = !check.checked; });
    back.addEventListener("click", close);
    dialog.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
    confirm.addEventListener("click", function () {
      confirm.disabled = back.disabled = true;
      error.textContent = "";
      self.commit({ sha256: proof.sha256, renderId: shown.renderId }).then(function (ok) {
        if (ok) { close(); return; }
        error.textContent = self.formError.textContent;
        confirm.disabled = !check.checked;
        back.disabled = false;
      });
    });
    this.root.appendChild(dialog);
    check.focus();
  };

  /** Freeze the design (spec → snapshot, each with its own key), record the proof when there
   *  is one, and tell the shop. Resolves to whether the item was added. */
  Widget.prototype.commit = function (proof) {
    var self = this;
    this.busy(true);
    this.formError.textContent = "";
    return this.specFor(this.design())
      .then(function (spec) {
        return self.api("POST", "/v1/snapshots", { spec_hash: spec.spec_hash }, { idempotencyKey: uuid() })
          .then(function (snap) {
            if (!proof) return snap;
            return self.api("POST", "/v1/snapshots/" + encodeURIComponent(snap.snapshot_id) + "/proof",
              { preview_sha256: proof.sha256, render_id: proof.renderId, locale: self.m.requested });
          })
          .then(function (snap) {
            var properties = {
              _atelier_snapshot_id: snap.snapshot_id,
              _atelier_spec_hash: snap.spec_hash
            };
            if (snap.proof) properties._atelier_proof_sha256 = snap.proof.preview_sha256;
            (spec.choices || []).forEach(function (c) { properties[c.option] = c.value; });
            properties.Personalization = self.summary(spec);
            var detail = {
              snapshot_id: snap.snapshot_id,
              spec_hash: snap.spec_hash,
              product_id: self.productId,
              options: spec.spec.options || {},
              price: spec.price || null,
              shop_variant_id: spec.shop_variant_id || null,
              proof: snap.proof || null,
              properties: properties
            };
            self.setStatus(self.t("status.added"));
            self.emit("atelier:add-to-cart", detail);
            return true;
          });
      })
      .catch(function (err) {
        if (err.code === "spec.invalid_inputs" && err.details) {
          self.showIssues(err.details.errors, err.details.warnings);
          self.formError.textContent = self.t("cart.fix_first");
          var bad = self.root.querySelector("[aria-invalid=true]");
          if (bad) bad.focus();
        } else {
          self.formError.textContent = self.t("cart.failed", { message: self.say(err) });
        }
        self.emit("atelier:error", { code: err.code, message: err.message });
        return false;
      })
      .then(function (ok) { self.busy(false); return ok; });
  };

  /** "Name: Léa (Lato Regular, #000000); Chain colour: #D4AF37; Chain: Gold" from the stored
   *  spec, in the brand's own words (the workshop reads it). */
  Widget.prototype.summary = function (spec) {
    var fonts = {};
    var zones = spec.spec.zones;
    this.config.fonts.forEach(function (f) { fonts[f.font_id] = (f.family + " " + f.style).trim(); });
    var parts = this.config.zones.filter(function (zone) { return zones[zone.id]; }).map(function (zone) {
      var z = zones[zone.id];
      if (z.kind === "text" || z.kind === "monogram") {
        return zone.name + ": " + z.text.replace(/\n/g, " / ") + " (" + (fonts[z.font.id] || z.font.id) + ", " + z.color + ")";
      }
      if (z.kind === "color") return zone.name + ": " + z.color;
      return zone.name + ": uploaded image";
    });
    (spec.choices || []).forEach(function (c) { parts.push(c.option + ": " + c.value); });
    return parts.join("; ");
  };

  // --- 3D view (issue 24): the design on the product's model, orbit, "View in your room" ------
  // Self-contained: after each 2D preview, a product with a model (config.model_viewer) also
  // gets a `model` render; <model-viewer> (served by the API, pinned from npm) shows its GLB.
  // The AR link names the API's redirect route, which signs a fresh URL at click time (result
  // URLs expire after minutes). Any failure leaves the 2D preview as it is: the fallback.

  var MODEL_TIMEOUT_MS = 90000;
  var viewerLoading = null;

  function loadViewer(src) {
    if (window.customElements && customElements.get("model-viewer")) return Promise.resolve();
    if (!viewerLoading) {
      viewerLoading = new Promise(function (resolve, reject) {
        var tag = el("script", { src: src, async: true });
        tag.onload = function () { resolve(); };
        tag.onerror = function () { viewerLoading = null; reject(new ApiError(0, { code: "model.viewer_failed", message: "The 3D viewer did not load." })); };
        document.head.appendChild(tag);
      });
    }
    return viewerLoading;
  }

  function arPlatform() {
    var ua = navigator.userAgent || "";
    var a = document.createElement("a");
    if (a.relList && a.relList.supports && a.relList.supports("ar")) return "ios";
    if (/android/i.test(ua)) return "android";
    return "";
  }

  Widget.prototype.arUrl = function (renderId, name) {
    return this.base + "/v1/renders/" + encodeURIComponent(renderId) + "/ar/" + name +
      "?key=" + encodeURIComponent(this.key);
  };

  Widget.prototype.modelRender = function (snapshotId, signal) {
    var self = this;
    var deadline = Date.now() + MODEL_TIMEOUT_MS;
    return this.api("POST", "/v1/renders/model", { snapshot_id: snapshotId }, { signal: signal, idempotencyKey: uuid() })
      .then(function (started) {
        var path = "/v1/renders/" + encodeURIComponent(started.render_id);
        function poll(delay) {
          return self.api("GET", path, undefined, { signal: signal }).then(function (render) {
            if (render.status === "succeeded") {
              return self.api("GET", path + "/result", undefined, { signal: signal }).then(function (result) {
                return { renderId: started.render_id, result: result };
              });
            }
            if (render.status === "failed") throw new ApiError(422, render.error);
            if (Date.now() > deadline) throw new ApiError(504, { code: "model.too_long", message: self.t("model.too_long") });
            return sleep(delay, signal).then(function () { return poll(Math.min(delay * 1.6, 2000)); });
          });
        }
        return poll(300);
      });
  };

  Widget.prototype.arLink = function (renderId) {
    var platform = arPlatform();
    var label = this.t("model.ar");
    if (platform === "ios") {  // AR Quick Look: a rel="ar" link whose first child is an image
      return el("a", { "class": "atelier-ar", rel: "ar", href: this.arUrl(renderId, "model.usdz"), "data-platform": "ios" },
        [el("img", { src: this.image.src, alt: label, width: 1, height: 1 }), document.createTextNode(label)]);
    }
    var glb = this.arUrl(renderId, "model.glb");
    var href = platform === "android"
      ? "intent://arvr.google.com/scene-viewer/1.2?file=" + encodeURIComponent(glb) + "&mode=ar_preferred" +
        "#Intent;scheme=https;package=com.google.android.googlequicksearchbox;" +
        "action=android.intent.action.VIEW;S.browser_fallback_url=" + encodeURIComponent(glb) + ";end;"
      : null;
    return el("a", { "class": "atelier-ar", href: href, "data-platform": platform || "none",
      "data-usdz": this.arUrl(renderId, "model.usdz"), "data-glb": glb, hidden: !platform, text: label });
  };

  /** The 3D view of the design just previewed; never fails the 2D preview. */
  Widget.prototype.show3d = function (snapshotId, signal) {
    var self = this;
    if (!this.config.model_viewer) return Promise.resolve();
    return Promise.all([loadViewer(this.base + this.config.model_viewer), this.modelRender(snapshotId, signal)])
      .then(function (done) {
        if (signal.aborted) return;
        var found = done[1];
        var viewer = el("model-viewer", { "class": "atelier-model", src: found.result.files[0].url,
          alt: self.t("model.alt", { product: self.config.name }), "camera-controls": true, "touch-action": "pan-y", "camera-orbit": "0deg 40deg auto",
          "interaction-prompt": "when-focused",
          "shadow-intensity": "1", "data-render": found.renderId });
        viewer.addEventListener("load", function () {
          viewer.setAttribute("data-loaded", "true");
          self.emit("atelier:3d-ready", { render_id: found.renderId });
        });
        viewer.addEventListener("error", function () { self.drop3d(); });
        var view = el("div", { "class": "atelier-3d" }, [viewer, self.arLink(found.renderId)]);
        self.drop3d();
        self.view3d = view;
        self.image.parentNode.insertBefore(view, self.image.nextSibling);
      })
      .catch(function (err) {
        if (signal.aborted || err.name === "AbortError") return;
        self.drop3d();
        self.emit("atelier:3d-unavailable", { code: err.code, message: err.message });
      });
  };

  Widget.prototype.drop3d = function () {
    if (this.view3d && this.view3d.parentNode) this.view3d.parentNode.removeChild(this.view3d);
    this.view3d = null;
  };

  // --- photo framing (issue 21): drag, pinch, wheel and keys move the photo in the zone -------
  //
  // The spec records framing as data (domain/framing.py): quarter turns clockwise, a crop window
  // normalized to the turned photo (its aspect the zone's), and a fine angle turning the photo
  // clockwise under the window about its centre. The window is kept on the photo (its turned
  // bounding box inside), so the server's edge check passes; the preview then follows.

  function Framer(zone, file, facts, onChange, m, name) {
    var self = this;
    this.zone = zone;
    this.w0 = facts.width_px;
    this.h0 = facts.height_px;
    this.turns = 0;
    this.angle = 0;
    this.onChange = onChange;
    this.pointers = {};
    this.url = URL.createObjectURL(file);
    this.img = el("img", { "class": "atelier-framing-photo", alt: "", draggable: "false", src: this.url });
    this.img.style.width = this.w0 + "px";
    this.img.style.height = this.h0 + "px";
    this.frame = el("div", {
      "class": "atelier-frame", tabindex: "0", role: "group",
      "aria-label": m.t("framing.label", { name: name }),
      onpointerdown: function (e) { self.down(e); }, onpointermove: function (e) { self.move(e); },
      onpointerup: function (e) { self.up(e); }, onpointercancel: function (e) { self.up(e); },
      onwheel: function (e) { e.preventDefault(); self.zoomBy(Math.exp(-e.deltaY / 500)); self.changed(); },
      onkeydown: function (e) { self.key(e); }
    }, [this.img]);
    this.frame.style.aspectRatio = zone.width_mm + " / " + zone.height_mm;
    this.straighten = el("input", { type: "range", min: "-45", max: "45", step: "0.5", value: "0",
      "aria-label": m.t("framing.straighten", { name: name }),
      oninput: function () { self.angle = Number(self.straighten.value); self.fit(); self.changed(); } });
    this.turnButton = el("button", { type: "button", "class": "atelier-turn", text: m.t("framing.turn"),
      onclick: function () { self.turn(); } });
    this.node = el("div", { "class": "atelier-framing-box" }, [this.frame,
      el("div", { "class": "atelier-framing-tools" }, [this.turnButton, this.straighten]),
      el("p", { "class": "atelier-note", text: m.t("framing.hint") })]);
    this.adjustments = {};
    this.drawAdjustments(zone.adjustments || [], m, name);
    this.reset();
    if (window.ResizeObserver) new ResizeObserver(function () { self.draw(); }).observe(this.frame);
  }

  /** The adjustments the brand allows in this zone: black and white, brightness, contrast. */
  Framer.prototype.drawAdjustments = function (allowed, m, name) {
    var self = this;
    var specs = {
      greyscale: { label: m.t("adjust.greyscale"), type: "checkbox" },
      brightness: { label: m.t("adjust.brightness"), type: "range", min: "-1", max: "1", value: "0" },
      contrast: { label: m.t("adjust.contrast"), type: "range", min: "0", max: "3", value: "1" }
    };
    allowed.forEach(function (kind) {
      var spec = specs[kind];
      var input = el("input", { type: spec.type, min: spec.min, max: spec.max, step: "0.05",
        value: spec.value, "data-adjust": kind, "aria-label": name + ": " + spec.label,
        onchange: function () { self.onChange(); }, oninput: function () { self.onChange(); } });
      self.adjustments[kind] = input;
      self.node.appendChild(el("label", { "class": "atelier-adjust" }, [input, el("span", { text: " " + spec.label })]));
    });
  };

  Framer.prototype.adjust = function () {
    var a = this.adjustments, out = {}, moved = false;
    if (a.greyscale && a.greyscale.checked) { out.greyscale = true; moved = true; }
    if (a.brightness && Number(a.brightness.value) !== 0) { out.brightness = Number(a.brightness.value); moved = true; }
    if (a.contrast && Number(a.contrast.value) !== 1) { out.contrast = Number(a.contrast.value); moved = true; }
    return moved ? out : null;
  };

  Framer.prototype.turned = function () {
    return this.turns % 2 ? [this.h0, this.w0] : [this.w0, this.h0];
  };

  /** The window at zoom 1: the largest of the zone's aspect on the turned photo. */
  Framer.prototype.base = function () {
    var t = this.turned(), aspect = this.zone.width_mm / this.zone.height_mm;
    return t[0] / t[1] > aspect ? [t[1] * aspect, t[1]] : [t[0], t[0] / aspect];
  };

  Framer.prototype.reset = function () {
    var t = this.turned();
    this.zoom = 1;
    this.cx = t[0] / 2;
    this.cy = t[1] / 2;
    this.pristine = true;
    this.fit();
  };

  /** Zoom in as far as the fine angle needs and keep the turned window on the photo. */
  Framer.prototype.fit = function () {
    var t = this.turned(), b = this.base(), r = this.angle * Math.PI / 180;
    var c = Math.abs(Math.cos(r)), s = Math.abs(Math.sin(r));
    var need = Math.max(1, (c * b[0] + s * b[1]) / t[0], (s * b[0] + c * b[1]) / t[1]) * (1 + 1e-6);
    this.zoom = Math.min(Math.max(this.zoom, need), 20);
    var w = b[0] / this.zoom, h = b[1] / this.zoom;
    var hx = (c * w + s * h) / 2, hy = (s * w + c * h) / 2;
    this.cx = Math.min(Math.max(this.cx, hx), t[0] - hx);
    this.cy = Math.min(Math.max(this.cy, hy), t[1] - hy);
    this.draw();
  };

  Framer.prototype.draw = function () {
    var fw = this.frame.clientWidth, fh = this.frame.clientHeight;
    if (!fw || !fh) return;
    var w = this.base()[0] / this.zoom, scale = fw / w;
    var quarter = ["", "translate(" + this.h0 + "px,0) rotate(90deg)",
      "translate(" + this.w0 + "px," + this.h0 + "px) rotate(180deg)", "translate(0," + this.w0 + "px) rotate(270deg)"];
    // Applied right to left: turn the upload, centre the window, straighten, scale, centre on the frame.
    this.img.style.transform = "translate(" + fw / 2 + "px," + fh / 2 + "px) scale(" + scale + ") rotate(" +
      this.angle + "deg) translate(" + -this.cx + "px," + -this.cy + "px) " + quarter[this.turns];
  };

  Framer.prototype.value = function () {
    if (this.pristine) return null;
    var t = this.turned(), b = this.base(), w = b[0] / this.zoom, h = b[1] / this.zoom;
    function r6(v) { return Math.round(v * 1e6) / 1e6; }
    return { crop: { x: r6((this.cx - w / 2) / t[0]), y: r6((this.cy - h / 2) / t[1]),
      width: r6(w / t[0]), height: r6(h / t[1]) }, quarter_turns: this.turns, angle_deg: this.angle };
  };

  Framer.prototype.changed = function () {
    this.pristine = false;
    this.onChange();
  };

  /** The photo follows the finger: the window moves the other way, in turned-photo pixels. */
  Framer.prototype.pan = function (dx, dy) {
    var scale = this.frame.clientWidth / (this.base()[0] / this.zoom), r = this.angle * Math.PI / 180;
    this.cx -= (Math.cos(r) * dx + Math.sin(r) * dy) / scale;
    this.cy -= (-Math.sin(r) * dx + Math.cos(r) * dy) / scale;
    this.fit();
  };

  Framer.prototype.zoomBy = function (factor) {
    this.zoom *= factor;
    this.fit();
  };

  Framer.prototype.turn = function () {
    this.turns = (this.turns + 1) % 4;
    this.reset();
    this.changed();
  };

  Framer.prototype.down = function (e) {
    this.frame.setPointerCapture(e.pointerId);
    this.pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
  };

  Framer.prototype.move = function (e) {
    var last = this.pointers[e.pointerId];
    if (!last) return;
    var ids = Object.keys(this.pointers);
    if (ids.length === 1) {
      this.pan(e.clientX - last.x, e.clientY - last.y);
    } else if (ids.length === 2) {  // pinch: the distance between the two fingers sets the zoom
      var other = this.pointers[ids[0] === String(e.pointerId) ? ids[1] : ids[0]];
      var before = Math.hypot(last.x - other.x, last.y - other.y);
      var after = Math.hypot(e.clientX - other.x, e.clientY - other.y);
      if (before > 0) this.zoomBy(after / before);
    }
    this.pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    this.pristine = false;
  };

  Framer.prototype.up = function (e) {
    if (!this.pointers[e.pointerId]) return;
    delete this.pointers[e.pointerId];
    if (!this.pristine) this.onChange();
  };

  Framer.prototype.key = function (e) {
    var step = this.frame.clientWidth * 0.05;
    var moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) this.pan(moves[e.key][0], moves[e.key][1]);
    else if (e.key === "+" || e.key === "=") this.zoomBy(1.1);
    else if (e.key === "-") this.zoomBy(1 / 1.1);
    else if (e.key === "r" || e.key === "R") return this.turn();
    else if (e.key === "[" || e.key === "]") {
      this.angle = Math.max(-45, Math.min(45, this.angle + (e.key === "]" ? 1 : -1)));
      this.straighten.value = String(this.angle);
      this.fit();
    } else return;
    e.preventDefault();
    this.changed();
  };

  Widget.prototype.startFraming = function (zone, field, file, facts) {
    var self = this;
    if (field.framer) URL.revokeObjectURL(field.framer.url);
    field.framer = new Framer(zone, file, facts, function () { self.schedule(); }, this.m, this.zoneName(zone));
    field.frameBox.replaceChildren(field.framer.node);
    field.frameBox.hidden = false;
    field.framer.draw();
  };

  // --- styles and start-up --------------------------------------------------------------------

  var CSS = [
    ".atelier-widget{display:flex;flex-wrap:wrap;gap:1rem;font:inherit;max-width:100%}",
    ".atelier-preview{flex:1 1 14rem;margin:0;min-width:0}",
    ".atelier-3d model-viewer{display:block;width:100%;height:18rem;background:#f4f4f4}",
    ".atelier-image{display:block;width:100%;height:auto;border:1px solid #ccc;border-radius:4px;background:#fff}",
    ".atelier-image[hidden]{display:none}",
    ".atelier-stage{position:relative}",
    ".atelier-initials{text-transform:uppercase;letter-spacing:.2em}",
    ".atelier-dieline{position:absolute;left:1px;top:1px;width:calc(100% - 2px);height:calc(100% - 2px);" +
      "pointer-events:none;overflow:visible}",
    ".atelier-dieline path{fill:none;stroke:#d81b60;stroke-width:1.5;stroke-dasharray:4 3}",
    ".atelier-form{flex:1 1 16rem;min-width:0;display:flex;flex-direction:column;gap:.75rem}",
    ".atelier-field{display:flex;flex-direction:column;gap:.25rem}.atelier-field[hidden]{display:none}",
    ".atelier-field input[type=text],.atelier-field textarea,.atelier-field select{font:inherit;padding:.5rem;",
    "border:1px solid #767676;border-radius:4px;width:100%;box-sizing:border-box}",
    ".atelier-field [aria-invalid=true]{border-color:#b00020;outline-color:#b00020}",
    ".atelier-counter,.atelier-note,.atelier-sub,.atelier-tax,.atelier-price-lines{font-size:.85em;color:#444}",
    ".atelier-counter.atelier-over{color:#b00020;font-weight:bold}",
    ".atelier-error{color:#b00020;margin:0;font-size:.9em}.atelier-error:empty{display:none}",
    ".atelier-colors{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.5rem}",
    ".atelier-colors legend{padding:0;margin-bottom:.25rem}",
    ".atelier-swatch,.atelier-toggle{display:inline-flex;align-items:center;gap:.3rem;cursor:pointer}",
    ".atelier-chip{width:1.2rem;height:1.2rem;border-radius:50%;border:1px solid #555}",
    ".atelier-swatch-img{object-fit:cover}",
    ".atelier-price{margin:0;font-size:1.05em}.atelier-price[hidden]{display:none}",
    ".atelier-sides{display:flex;flex-wrap:wrap;gap:.25rem;margin-bottom:.5rem}",
    ".atelier-side{font:inherit;padding:.35rem .75rem;border:1px solid #767676;border-radius:999px;background:#fff;",
    "color:#111;cursor:pointer}.atelier-side[aria-selected=true]{background:#111;color:#fff;border-color:#111}",
    ".atelier-side[hidden]{display:none}",
    ".atelier-add,.atelier-back{font:inherit;padding:.75rem 1rem;border:0;border-radius:4px;background:#111;color:#fff;cursor:pointer}",
    ".atelier-back{background:#fff;color:#111;border:1px solid #111}",
    ".atelier-add:disabled,.atelier-back:disabled{opacity:.6}",
    ".atelier-add:focus-visible,.atelier-widget :focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
    ".atelier-framing[hidden]{display:none}.atelier-frame{position:relative;overflow:hidden;width:100%;",
    "background:#eee;border:1px solid #767676;border-radius:4px;touch-action:none;cursor:grab}",
    ".atelier-framing-photo{position:absolute;left:0;top:0;max-width:none;transform-origin:0 0;",
    "user-select:none;pointer-events:none}.atelier-framing-tools{display:flex;gap:.5rem;align-items:center}",
    ".atelier-proof{position:fixed;inset:0;background:rgba(0,0,0,.55);display:flex;align-items:center;",
    "justify-content:center;padding:1rem;z-index:2147483000}",
    ".atelier-proof-box{background:#fff;color:#111;border-radius:6px;width:100%;max-width:32rem;max-height:100%;",
    "overflow:auto;box-sizing:border-box;padding:1rem;display:flex;flex-direction:column;gap:.75rem}",
    ".atelier-proof h2{margin:0;font-size:1.2em}.atelier-proof p{margin:0}",
    ".atelier-proof-image{display:block;box-sizing:border-box;max-width:100%;max-height:45vh;width:auto;height:auto;",
    "margin:0 auto;border:1px solid #ccc;border-radius:4px}",
    ".atelier-proof-text{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .75rem;margin:0;font-size:1.1em}",
    ".atelier-proof-text dt{font-weight:600}.atelier-proof-text dd{margin:0;overflow-wrap:anywhere}",
    ".atelier-proof-check{display:flex;gap:.4rem;align-items:center;font-weight:600}",
    ".atelier-proof-actions{display:flex;gap:.5rem;justify-content:flex-end;flex-wrap:wrap}"
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

  window.AtelierWidget = { scan: scan, version: 2, locales: Object.keys(CATALOGS) };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
