// The leaders' cockpit: fetches GET /api/v1/cockpit and draws the KPI cards, the trend
// charts, the district ranking, the district map and the targets table.
//
// Every text comes from the page's configuration (<script id="cockpit-config">, labels of the
// i18n catalogue in the caller's language); names of regions and indicators come localised from
// the API. Values are exact decimal strings: they are shown as received (with digit grouping),
// and turned into numbers only to draw a bar or a line.
//
// The region, period and indicator travel in the URL query (?region=&period=&indicator=), so a
// view can be bookmarked and shared and the back button works.
(function () {
  "use strict";

  var root = document.getElementById("cockpit");
  var configEl = document.getElementById("cockpit-config");
  if (!root || !configEl) return;
  var config = JSON.parse(configEl.textContent);
  var L = config.labels || {};
  var EN = config.lang === "en";
  var STATUS_CLASS = {
    achieved: "ok",
    on_track: "info",
    at_risk: "warn",
    off_track: "bad",
    no_data: "grey",
    no_target: "grey",
  };
  var COMPARATOR = { ">=": "\u2265", "<=": "\u2264", ">": ">", "<": "<", "=": "=" };
  var PALETTE = ["#0b5cad", "#1b7f3b", "#b26a00", "#7e3ea8", "#00838f", "#b3261e"];
  var MAP_COLOURS = ["#dbe9f7", "#9cc3ea", "#4f8fd0", "#0b5cad", "#083d75"];
  var NO_DATA_FILL = "#eceff2";

  var charts = []; // live ECharts instances, disposed before each render
  var geoCache = {}; // map URL -> registered map name (or a promise of it)
  var seq = 0; // the newest request; older answers are dropped
  var lastData = null;
  var baseTitle = document.title;

  // ---------- small helpers ----------

  function $(id) {
    return document.getElementById(id);
  }

  function label(key, args) {
    var s = Object.prototype.hasOwnProperty.call(L, key) ? L[key] : key;
    if (args) {
      Object.keys(args).forEach(function (k) {
        s = s.split("{" + k + "}").join(String(args[k]));
      });
    }
    return s;
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") e.textContent = v;
        else if (k === "className") e.className = v;
        else e.setAttribute(k, v === true ? "" : v);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** An exact decimal string with thousands grouping: "1016.11" -> "1,016.11". */
  function fmt(s) {
    if (s === null || s === undefined || s === "") return "\u2014";
    var m = /^(-?)(\d+)(\.\d+)?$/.exec(String(s));
    if (!m) return String(s);
    return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (m[3] || "");
  }

  /** A number to draw with (never to show): null stays null. */
  function num(s) {
    if (s === null || s === undefined || s === "") return null;
    var n = Number(s);
    return isFinite(n) ? n : null;
  }

  function withUnit(value, unit) {
    if (!unit) return value;
    if (unit === "%") return value + "%";
    return value + (EN ? " " : "") + unit;
  }

  function periodLabel(p) {
    var m = /^(\d{4})-(\d{2})$/.exec(p || "");
    if (m) return label("month", { year: m[1], month: EN ? m[2] : String(Number(m[2])) });
    if (/^\d{4}$/.test(p || "")) return label("year", { year: p });
    return p || "";
  }

  function statusLabel(status) {
    return label("status_" + (STATUS_CLASS[status] ? status : "no_data"));
  }

  function statusBadge(status) {
    return el("span", {
      className: "status " + (STATUS_CLASS[status] || "grey"),
      "data-status": status || "no_data",
      text: statusLabel(status),
    });
  }

  function titleOf(item) {
    return item.unit ? label("with_unit", { name: item.name, unit: item.unit }) : item.name;
  }

  function targetText(comparator, target, unit) {
    if (target === null || target === undefined) return label("no_target");
    return (COMPARATOR[comparator] || comparator || "") + " " + withUnit(fmt(target), unit);
  }

  // ---------- state in the URL ----------

  function readState() {
    var q = new URLSearchParams(window.location.search);
    return {
      region: q.get("region") || "",
      period: q.get("period") || "",
      indicator: q.get("indicator") || "",
    };
  }

  function queryOf(state) {
    var q = new URLSearchParams();
    if (state.region) q.set("region", state.region);
    if (state.period) q.set("period", state.period);
    if (state.indicator) q.set("indicator", state.indicator);
    var s = q.toString();
    return s ? "?" + s : "";
  }

  /** Points the language switch back at the view now shown. */
  function fixLanguageLinks() {
    var here = window.location.pathname + window.location.search;
    ["lang-en", "lang-zh"].forEach(function (id) {
      var a = $(id);
      if (!a) return;
      var u = new URL(a.getAttribute("href"), window.location.href);
      u.searchParams.set("next", here);
      a.setAttribute("href", u.pathname + u.search);
    });
  }

  function go(change) {
    var state = readState();
    Object.keys(change).forEach(function (k) {
      state[k] = change[k];
    });
    window.history.pushState(state, "", window.location.pathname + queryOf(state));
    fixLanguageLinks();
    load();
  }

  // ---------- loading ----------

  function setBusy(busy) {
    root.setAttribute("aria-busy", busy ? "true" : "false");
    ["ck-region", "ck-period", "ck-indicator"].forEach(function (id) {
      if (busy) $(id).setAttribute("disabled", "");
      else if ($(id).options.length) $(id).removeAttribute("disabled");
    });
  }

  function showStatus(text) {
    var s = $("ck-status");
    s.textContent = text || "";
    s.hidden = !text;
  }

  function showError(message) {
    root.setAttribute("data-state", "error");
    $("ck-error-message").textContent = message;
    $("ck-error").hidden = false;
    $("ck-body").hidden = true;
    // A region that is unknown or outside the caller's scope: offer the way back.
    var state = readState();
    $("ck-overview").hidden = !state.region;
    $("ck-overview").setAttribute("href", "/" + queryOf({ period: state.period }));
    showStatus("");
    setBusy(false);
  }

  function load() {
    var state = readState();
    var mine = ++seq;
    root.setAttribute("data-state", "loading");
    setBusy(true);
    showStatus(label("loading"));
    $("ck-error").hidden = true;
    fetch(config.api + queryOf(state), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(
        function (res) {
          return res.text().then(function (text) {
            var body = null;
            try {
              body = JSON.parse(text);
            } catch (e) {
              body = null;
            }
            return { res: res, body: body };
          });
        },
        function () {
          throw new Error(label("network_error"));
        },
      )
      .then(function (r) {
        if (mine !== seq) return;
        if (!r.res.ok) {
          var err = r.body && r.body.error;
          throw new Error(err && err.message ? err.message : label("bad_response", { status: r.res.status }));
        }
        if (!r.body || !r.body.region) throw new Error(label("bad_response", { status: r.res.status }));
        lastData = r.body;
        return render(r.body, state);
      })
      .catch(function (e) {
        if (mine !== seq) return;
        showError(e && e.message ? e.message : String(e));
      });
  }

  // ---------- rendering ----------

  function disposeCharts() {
    charts.forEach(function (c) {
      c.dispose();
    });
    charts = [];
  }

  function newChart(box) {
    var c = window.echarts.init(box, null, { renderer: "svg", locale: EN ? "EN" : "ZH" });
    charts.push(c);
    return c;
  }

  function render(data, state) {
    disposeCharts();
    $("ck-body").hidden = false;
    $("ck-where").textContent = (data.region.name || data.region.code) + " \u00b7 " + periodLabel(data.period);
    document.title = $("ck-where").textContent + " \u00b7 " + baseTitle;
    renderPickers(data, state);
    renderCards(data.cards || []);
    renderLines($("ck-trends"), data.trends || [], "trend");
    renderLines($("ck-monthly"), data.monthly || [], "monthly");
    renderRanking(data.ranking);
    var mapDone = renderMap(data);
    renderTargets(data.targets || []);
    root.setAttribute("data-region", data.region.code);
    root.setAttribute("data-period", data.period || "");
    return Promise.resolve(mapDone).then(function () {
      showStatus("");
      setBusy(false);
      root.setAttribute("data-state", "ready");
    });
  }

  function fillSelect(select, options, selected) {
    clear(select);
    options.forEach(function (o) {
      select.appendChild(el("option", { value: o.value, selected: o.value === selected, text: o.text }));
    });
    select.value = selected;
  }

  function renderPickers(data, state) {
    var regions = (data.regions || []).slice();
    if (!regions.some(function (r) { return r.code === data.region.code; })) {
      regions.unshift({ code: data.region.code, name: data.region.name, level: 0 });
    }
    fillSelect(
      $("ck-region"),
      regions.map(function (r) {
        return { value: r.code, text: new Array(Math.max(0, r.level || 0) * 2 + 1).join("\u00a0") + r.name };
      }),
      data.region.code,
    );
    var periods = (data.periods || []).slice();
    if (data.period && periods.indexOf(data.period) < 0) periods.push(data.period);
    fillSelect(
      $("ck-period"),
      periods.map(function (p) {
        return { value: p, text: periodLabel(p) };
      }),
      data.period || "",
    );
    var chosen = (data.ranking && data.ranking.code) || (data.map && data.map.code) || state.indicator;
    fillSelect(
      $("ck-indicator"),
      (data.cards || []).map(function (c) {
        return { value: c.code, text: c.name };
      }),
      chosen,
    );
    var overview = $("ck-overview");
    overview.hidden = !state.region;
    overview.setAttribute("href", "/" + queryOf({ period: state.period }));
  }

  function renderCards(cards) {
    var box = $("ck-cards");
    clear(box);
    if (!cards.length) {
      box.appendChild(noData());
      return;
    }
    cards.forEach(function (c) {
      var cls = STATUS_CLASS[c.status] || "grey";
      var completion = num(c.completion);
      var value = c.value === null || c.value === undefined
        ? el("span", { className: "ck-card-value ck-none", text: label("no_value") })
        : el("span", { className: "ck-card-value" }, [
            fmt(c.value),
            c.unit ? el("small", { text: (c.unit === "%" ? "" : "\u2009") + c.unit }) : null,
          ]);
      var card = el(
        "a",
        {
          className: "ck-card st-" + cls,
          href: c.href || null,
          "data-code": c.code,
          "data-value": c.value === null ? null : c.value,
          "data-target": c.target === null ? null : c.target,
          "data-status": c.status,
        },
        [
          el("span", { className: "ck-card-name", text: c.name }),
          value,
          c.value === null && c.no_value_reason ? el("span", { className: "ck-card-reason", text: c.no_value_reason }) : null,
          el("span", { className: "ck-card-target" }, [
            el("span", { className: "muted", text: label("target") + " " }),
            targetText(c.comparator, c.target, c.unit),
          ]),
          el("span", { className: "ck-card-bar", "aria-hidden": "true" }, [
            el("span", { style: "width:" + Math.max(0, Math.min(100, completion || 0)) + "%" }),
          ]),
          el("span", { className: "ck-card-foot" }, [
            el("span", { className: "ck-card-completion" }, [
              el("span", { className: "muted", text: label("completion") + " " }),
              c.completion === null || c.completion === undefined ? "\u2014" : fmt(c.completion) + "%",
            ]),
            statusBadge(c.status),
          ]),
        ],
      );
      box.appendChild(card);
    });
  }

  function noData(text) {
    return el("p", { className: "ck-nodata", text: text || label("no_data") });
  }

  /** A figure: caption, chart box, table view and its toggle. */
  function figure(parent, caption, table, kind) {
    var fig = el("figure", { className: "ck-fig ck-fig-" + kind });
    var box = el("div", { className: "ck-chart", role: "img", "aria-label": caption });
    var tableWrap = el("div", { className: "ck-table-wrap", hidden: true }, [table]);
    var toggle = el("button", { type: "button", className: "link ck-toggle", "aria-expanded": "false", text: label("view_table") });
    toggle.addEventListener("click", function () {
      var showTable = tableWrap.hidden;
      tableWrap.hidden = !showTable;
      box.hidden = showTable;
      toggle.textContent = label(showTable ? "view_chart" : "view_table");
      toggle.setAttribute("aria-expanded", showTable ? "true" : "false");
      if (!showTable) {
        charts.forEach(function (c) {
          if (c.getDom() === box) c.resize();
        });
      }
    });
    fig.appendChild(el("figcaption", { text: caption }));
    fig.appendChild(box);
    fig.appendChild(tableWrap);
    fig.appendChild(toggle);
    parent.appendChild(fig);
    return box;
  }

  function table(head, rows) {
    return el("table", { className: "grid ck-table" }, [
      el("thead", null, [el("tr", null, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el(
        "tbody",
        null,
        rows.map(function (r) {
          return el(
            "tr",
            null,
            r.map(function (cell, i) {
              var td = el("td", { className: i > 0 && cell.num ? "num" : null });
              if (cell.href) td.appendChild(el("a", { href: cell.href, text: cell.text }));
              else if (cell.node) td.appendChild(cell.node);
              else td.textContent = cell.text;
              return td;
            }),
          );
        }),
      ),
    ]);
  }

  function tooltipLine(name, value, unit) {
    var span = document.createElement("span");
    span.textContent = name + ": " + (value === null ? label("no_data") : withUnit(fmt(value), unit));
    return span.outerHTML;
  }

  function renderLines(box, series, kind) {
    clear(box);
    if (!series.length) {
      box.appendChild(noData());
      return;
    }
    series.forEach(function (s, i) {
      var points = s.points || [];
      var caption = titleOf(s);
      var tbl = table(
        [label("period_col"), label("value")],
        points.map(function (p) {
          return [{ text: periodLabel(p.period) }, { text: withUnit(fmt(p.value), p.value === null ? "" : s.unit), num: true }];
        }),
      );
      var chartBox = figure(box, caption, tbl, kind);
      chartBox.setAttribute("data-code", s.code);
      if (!points.some(function (p) { return num(p.value) !== null; })) {
        chartBox.appendChild(noData());
        return;
      }
      var chart = newChart(chartBox);
      chart.setOption({
        color: [PALETTE[i % PALETTE.length]],
        animation: false,
        grid: { left: 8, right: 24, top: 20, bottom: 4, containLabel: true },
        tooltip: {
          trigger: "axis",
          formatter: function (ps) {
            var p = ps[0];
            return periodLabel(points[p.dataIndex].period) + "<br>" + tooltipLine(s.name, points[p.dataIndex].value, s.unit);
          },
        },
        xAxis: { type: "category", data: points.map(function (p) { return periodLabel(p.period); }), boundaryGap: true },
        // The unit is in the caption above the chart.
        yAxis: { type: "value", scale: true },
        series: [
          {
            type: kind === "monthly" ? "bar" : "line",
            name: s.name,
            data: points.map(function (p) { return num(p.value); }),
            connectNulls: false,
            symbolSize: 7,
            label: kind === "monthly" ? { show: false } : {
              show: true,
              formatter: function (p) { return fmt(points[p.dataIndex].value); },
            },
          },
        ],
      });
    });
  }

  function switchRegion(code) {
    if (code) go({ region: code });
  }

  function renderRanking(ranking) {
    var box = $("ck-ranking");
    clear(box);
    var rows = (ranking && ranking.rows) || [];
    if (!ranking || !rows.length) {
      box.appendChild(noData());
      return;
    }
    var caption = titleOf(ranking) + " \u00b7 " + periodLabel(lastData.period);
    var tbl = table(
      [label("rank"), label("region_col"), label("value")],
      rows.map(function (r) {
        return [
          { text: r.rank === null || r.rank === undefined ? "\u2014" : String(r.rank) },
          { text: r.name, href: "/" + queryOf({ region: r.region, period: lastData.period, indicator: ranking.code }) },
          { text: withUnit(fmt(r.value), r.value === null ? "" : ranking.unit), href: r.href, num: true },
        ];
      }),
    );
    var chartBox = figure(box, caption, tbl, "ranking");
    chartBox.setAttribute("data-code", ranking.code);
    box.appendChild(el("p", { className: "ck-hint muted", text: label("ranking_hint") }));
    if (!rows.some(function (r) { return num(r.value) !== null; })) {
      chartBox.appendChild(noData());
      return;
    }
    chartBox.style.height = Math.max(220, rows.length * 30 + 50) + "px";
    var chart = newChart(chartBox);
    chart.setOption({
      color: [PALETTE[0]],
      animation: false,
      grid: { left: 8, right: 64, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var r = rows[p.dataIndex];
          return tooltipLine(r.name, r.value, ranking.unit);
        },
      },
      xAxis: { type: "value", name: ranking.unit || "" },
      yAxis: {
        type: "category",
        inverse: true,
        triggerEvent: true,
        data: rows.map(function (r) { return r.name; }),
        axisLabel: { color: "#0b5cad" },
      },
      series: [
        {
          type: "bar",
          data: rows.map(function (r) { return num(r.value); }),
          cursor: "pointer",
          label: {
            show: true,
            position: "right",
            formatter: function (p) {
              var v = rows[p.dataIndex].value;
              return v === null ? label("no_data") : fmt(v);
            },
          },
        },
      ],
    });
    chart.on("click", function (p) {
      if (p.componentType === "yAxis") {
        var hit = rows.filter(function (r) { return r.name === p.value; })[0];
        if (hit) switchRegion(hit.region);
      } else if (p.componentType === "series") {
        var row = rows[p.dataIndex];
        if (row && row.href) window.location.href = row.href;
      }
    });
  }

  /** Fetches and registers the map at `url`; resolves to its name for ECharts. */
  function geoMap(url) {
    if (!geoCache[url]) {
      geoCache[url] = fetch(url, { credentials: "same-origin" })
        .then(function (res) {
          if (!res.ok) throw new Error(label("bad_response", { status: res.status }));
          return res.json();
        })
        .then(function (geo) {
          var name = "gaodi-" + url;
          window.echarts.registerMap(name, geo);
          return { name: name, geo: geo };
        });
      geoCache[url].catch(function () {
        delete geoCache[url];
      });
    }
    return geoCache[url];
  }

  function renderMap(data) {
    var box = $("ck-map");
    clear(box);
    var url = (config.maps || {})[data.region.code];
    var m = data.map;
    if (!url) return renderLocator(data, box);
    var values = (m && m.values) || [];
    var caption = m ? titleOf(m) + " \u00b7 " + periodLabel(data.period) : label("map");
    var names = {};
    (data.regions || []).forEach(function (r) {
      names[r.code] = r.name;
    });
    values.forEach(function (v) {
      names[v.region] = v.name;
    });
    var tbl = table(
      [label("region_col"), label("value")],
      values.map(function (v) {
        return [
          { text: v.name, href: "/" + queryOf({ region: v.region, period: data.period, indicator: m && m.code }) },
          { text: withUnit(fmt(v.value), v.value === null ? "" : m.unit), num: true },
        ];
      }),
    );
    var chartBox = figure(box, caption, tbl, "map");
    chartBox.setAttribute("data-code", (m && m.code) || "");
    var hasValue = values.some(function (v) { return num(v.value) !== null; });
    if (!hasValue) box.insertBefore(noData(), box.firstChild);
    var mine = seq;
    return geoMap(url).then(
      function (reg) {
        if (mine !== seq) return;
        var byCode = {};
        values.forEach(function (v) {
          byCode[v.region] = v;
        });
        var features = (reg.geo.features || []).map(function (f) {
          return f.properties || {};
        });
        features.forEach(function (f) {
          if (!names[f.code]) names[f.code] = featureName(f);
        });
        var nums = values.map(function (v) { return num(v.value); }).filter(function (n) { return n !== null; });
        var chart = newChart(chartBox);
        var option = {
          animation: false,
          tooltip: {
            trigger: "item",
            formatter: function (p) {
              var v = byCode[p.name];
              return tooltipLine(names[p.name] || p.name, v ? v.value : null, m && m.unit) +
                "<br><small>" + label("map_hint") + "</small>";
            },
          },
          series: [
            {
              type: "map",
              map: reg.name,
              nameProperty: "code",
              roam: false,
              selectedMode: false,
              cursor: "pointer",
              layoutCenter: ["50%", "50%"],
              layoutSize: "95%",
              itemStyle: { areaColor: NO_DATA_FILL, borderColor: "#ffffff", borderWidth: 1.5 },
              emphasis: { label: { show: true }, itemStyle: { areaColor: "#f5a623" } },
              label: {
                show: true,
                fontSize: 11,
                lineHeight: 14,
                color: "#1f2933",
                textBorderColor: "#ffffff",
                textBorderWidth: 2,
                formatter: function (p) {
                  var v = byCode[p.name];
                  var name = names[p.name] || p.name;
                  return v && v.value !== null ? name + "\n" + fmt(v.value) : name;
                },
              },
              data: features.map(function (f) {
                var v = byCode[f.code];
                return { name: f.code, value: v ? num(v.value) : null };
              }),
            },
          ],
        };
        if (nums.length) {
          option.visualMap = {
            type: "continuous",
            min: Math.min.apply(null, nums),
            max: Math.max.apply(null, nums) === Math.min.apply(null, nums) ? Math.min.apply(null, nums) + 1 : Math.max.apply(null, nums),
            inRange: { color: MAP_COLOURS },
            left: 4,
            bottom: 4,
            itemHeight: 90,
            calculable: false,
            text: [m && m.unit ? m.unit : "", ""],
            formatter: function (v) { return fmt(String(Math.round(v * 100) / 100)); },
          };
        }
        chart.setOption(option);
        chart.on("click", function (p) {
          if (p.componentType === "series" && p.name) switchRegion(p.name);
        });
      },
      function (e) {
        if (mine !== seq) return;
        clear(chartBox);
        chartBox.appendChild(noData(label("no_map") + " " + (e && e.message ? e.message : "")));
      },
    );
  }

  /** A map feature's name in the page's language (the API's names come first). */
  function featureName(props) {
    return (EN && props.name_en) || props.name || props.code;
  }

  /**
   * No map of this region's districts: show where the region lies on a map that holds it, so a
   * neighbour is one click away.
   */
  function renderLocator(data, box) {
    var code = data.region.code;
    var mine = seq;
    var urls = Object.keys(config.maps || {}).map(function (k) {
      return config.maps[k];
    });
    return Promise.all(
      urls.map(function (u) {
        return geoMap(u).catch(function () {
          return null;
        });
      }),
    ).then(function (regs) {
      if (mine !== seq) return;
      var holds = function (r) {
        return r && (r.geo.features || []).some(function (f) { return (f.properties || {}).code === code; });
      };
      var reg = regs.filter(holds)[0];
      if (!reg) {
        box.appendChild(noData(label("no_map")));
        return;
      }
      var features = reg.geo.features.map(function (f) {
        return f.properties || {};
      });
      var chartBox = el("div", { className: "ck-chart", role: "img", "aria-label": label("map_locator") });
      chartBox.setAttribute("data-code", "");
      box.appendChild(
        el("figure", { className: "ck-fig ck-fig-map ck-locator" }, [el("figcaption", { text: data.region.name }), chartBox]),
      );
      box.appendChild(el("p", { className: "ck-hint muted", text: label("map_locator") }));
      var nameOf = function (c) {
        if (c === code) return data.region.name;
        var f = features.filter(function (x) { return x.code === c; })[0];
        return f ? featureName(f) : c;
      };
      var chart = newChart(chartBox);
      chart.setOption({
        animation: false,
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var span = document.createElement("span");
            span.textContent = nameOf(p.name);
            return span.outerHTML + (p.name === code ? "" : "<br><small>" + label("map_hint") + "</small>");
          },
        },
        series: [
          {
            type: "map",
            map: reg.name,
            nameProperty: "code",
            roam: false,
            selectedMode: false,
            layoutCenter: ["50%", "50%"],
            layoutSize: "95%",
            itemStyle: { areaColor: NO_DATA_FILL, borderColor: "#ffffff", borderWidth: 1.5 },
            emphasis: { itemStyle: { areaColor: "#9cc3ea" } },
            label: {
              show: true,
              fontSize: 11,
              color: "#1f2933",
              formatter: function (p) {
                return nameOf(p.name);
              },
            },
            data: features.map(function (f) {
              return f.code === code
                ? { name: f.code, itemStyle: { areaColor: "#f5a623" }, label: { fontWeight: "bold" } }
                : { name: f.code };
            }),
          },
        ],
      });
      chart.on("click", function (p) {
        if (p.componentType === "series" && p.name && p.name !== code) switchRegion(p.name);
      });
    });
  }

  function renderTargets(targets) {
    var box = $("ck-targets");
    clear(box);
    if (!targets.length) {
      box.appendChild(noData());
      return;
    }
    box.appendChild(
      table(
        [label("indicator_col"), label("actual"), label("target"), label("completion"), label("status")],
        targets.map(function (r) {
          return [
            { text: r.name, href: r.href },
            { text: r.actual === null || r.actual === undefined ? label("no_value") : withUnit(fmt(r.actual), r.unit), num: true },
            { text: targetText(r.comparator, r.target, r.unit), num: true },
            { text: r.completion === null || r.completion === undefined ? "\u2014" : fmt(r.completion) + "%", num: true },
            { node: statusBadge(r.status) },
          ];
        }),
      ),
    );
    box.querySelector("table").setAttribute("id", "ck-targets-table");
  }

  // ---------- wiring ----------

  function resizeAll() {
    charts.forEach(function (c) {
      c.resize();
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(resizeAll, 150);
  });

  // Printing: charts are drawn again at the width of an A4 page, then back at screen size.
  function beforePrint() {
    document.body.classList.add("ck-printing");
    resizeAll();
  }
  function afterPrint() {
    document.body.classList.remove("ck-printing");
    resizeAll();
  }
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  $("ck-print").addEventListener("click", function () {
    window.print();
  });

  $("ck-region").addEventListener("change", function (e) {
    go({ region: e.target.value });
  });
  $("ck-period").addEventListener("change", function (e) {
    go({ period: e.target.value });
  });
  $("ck-indicator").addEventListener("change", function (e) {
    go({ indicator: e.target.value });
  });
  $("ck-retry").addEventListener("click", load);
  window.addEventListener("popstate", function () {
    fixLanguageLinks();
    load();
  });

  if (!window.echarts) {
    showError(label("bad_response", { status: "echarts" }));
    return;
  }
  fixLanguageLinks();
  load();
})();
