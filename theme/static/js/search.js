/* Pouls — the search page (rechercher/), on top of Pagefind's JavaScript API.
 *
 * The page works without this script: a plain GET form, a sentence saying that search
 * needs JavaScript, and links to browse. With it:
 *   - ?q= (and ?rubrique=, a rubrique's folder) are read from the address, put back in
 *     the form and searched; a new search or filter is pushed to the history, so a search
 *     can be shared and the back button returns to the previous one;
 *   - the result count (or « nothing found ») is written to #search-status, a
 *     role="status" region present and empty from the start, so screen readers announce it;
 *   - the list of results is an <ol> created only when there are results (no empty list
 *     before a search); each result shows its title as a link, rubrique, date and an
 *     excerpt with the words found in <mark>;
 *   - focus is never left on something that disappears: « show more » moves it to the
 *     first new result, and a list replaced while focus was in it hands focus to the
 *     « Résultats » heading.
 * Every word a reader sees is French. No inline style, no innerHTML of data: the page
 * keeps working under a Content-Security-Policy of script-src 'self' 'wasm-unsafe-eval'.
 */
(function () {
  "use strict";

  var PAGE_SIZE = 10;
  var NBSP = "\u00a0";

  var form = document.querySelector("form[data-search-bundle]");
  if (!form || !window.URLSearchParams || !window.history || !window.DOMParser) {
    return;
  }
  var input = form.querySelector('input[name="q"]');
  var select = form.querySelector('select[name="rubrique"]');
  var status = document.getElementById("search-status");
  var section = document.getElementById("search-results");
  var heading = document.getElementById("search-results-title");
  var needsJs = document.getElementById("search-needs-js");
  var pageTitle = document.title;
  var bundle = form.getAttribute("data-search-bundle");
  var basePath = new URL(form.getAttribute("data-search-base") || "/", window.location.href).pathname;

  if (needsJs) {
    needsJs.hidden = true;
  }

  var pagefindPromise = null;
  var latest = 0;
  var searched = null; // the state of the last search run, to tell a fragment link from a query
  var shown = null; // {results, count, list, more}

  function loadPagefind() {
    if (!pagefindPromise) {
      pagefindPromise = import(bundle + "pagefind.js").then(function (pagefind) {
        return pagefind.options({ baseUrl: basePath, excerptLength: 30 }).then(function () {
          return pagefind;
        });
      });
      // A failed load may be retried by the next search (an index still being built).
      pagefindPromise.catch(function () { pagefindPromise = null; });
    }
    return pagefindPromise;
  }

  function quoted(text) {
    return "«" + NBSP + text + NBSP + "»";
  }

  function reports(count) {
    return count + NBSP + (count === 1 ? "reportage" : "reportages");
  }

  function rubriqueLabel(slug) {
    if (!select || !slug) {
      return "";
    }
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === slug) {
        return select.options[i].textContent;
      }
    }
    return "";
  }

  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    var rubrique = params.get("rubrique") || "";
    if (!rubriqueLabel(rubrique)) {
      rubrique = "";
    }
    return { q: (params.get("q") || "").trim(), rubrique: rubrique };
  }

  function addressOf(state) {
    var params = new URLSearchParams();
    if (state.q) {
      params.set("q", state.q);
    }
    if (state.rubrique) {
      params.set("rubrique", state.rubrique);
    }
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "");
  }

  function remember(state) {
    var address = addressOf(state);
    if (address !== window.location.pathname + window.location.search) {
      window.history.pushState(null, "", address);
    }
  }

  function fillForm(state) {
    input.value = state.q;
    if (select) {
      select.value = state.rubrique;
    }
  }

  /* The index was made from a copy of the pages with ASCII apostrophes (Pagefind splits
     « l'hôpital » only on those: see plugins/site_search/index.py); put back the French ’. */
  function typographic(text) {
    return String(text).replace(/'/g, "\u2019");
  }

  function say(text) {
    status.textContent = text;
  }

  /* Pagefind's excerpt is escaped text with <mark> around the words found: keep exactly
     that (text and <mark>), build it as nodes, never as HTML. */
  function excerptNodes(excerpt) {
    var parsed = new DOMParser().parseFromString("<p>" + excerpt + "</p>", "text/html");
    var fragment = document.createDocumentFragment();
    parsed.body.firstChild.childNodes.forEach(function (node) {
      if (node.nodeType === Node.ELEMENT_NODE && node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = typographic(node.textContent);
        fragment.appendChild(mark);
      } else {
        fragment.appendChild(document.createTextNode(typographic(node.textContent)));
      }
    });
    return fragment;
  }

  function resultItem(data) {
    var item = document.createElement("li");
    item.className = "search-result";
    var title = document.createElement("h3");
    title.className = "search-result-title";
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = typographic((data.meta && data.meta.title) || data.url);
    title.appendChild(link);
    item.appendChild(title);

    var meta = data.meta || {};
    if (meta.rubrique || meta.date) {
      var line = document.createElement("p");
      line.className = "search-result-meta";
      if (meta.rubrique) {
        var rubrique = document.createElement("span");
        rubrique.className = "search-result-rubrique";
        rubrique.textContent = typographic(meta.rubrique);
        line.appendChild(rubrique);
      }
      if (meta.rubrique && meta.date) {
        line.appendChild(document.createTextNode(", "));
      }
      if (meta.date) {
        var time = document.createElement("time");
        if (meta.datetime) {
          time.setAttribute("datetime", meta.datetime);
        }
        time.textContent = typographic(meta.date);
        line.appendChild(time);
      }
      item.appendChild(line);
    }

    var excerpt = document.createElement("p");
    excerpt.className = "search-result-excerpt";
    excerpt.appendChild(excerptNodes(data.excerpt || ""));
    item.appendChild(excerpt);
    return item;
  }

  function clearResults() {
    var focusWasInside = section.contains(document.activeElement) && document.activeElement !== heading;
    if (shown) {
      shown.list.remove();
      if (shown.more) {
        shown.more.remove();
      }
    }
    shown = null;
    return focusWasInside;
  }

  function moreButton() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "search-more";
    button.addEventListener("click", showMore);
    return button;
  }

  function updateMoreButton() {
    var remaining = shown.results.length - shown.list.children.length;
    if (remaining <= 0) {
      if (shown.more) {
        shown.more.remove();
        shown.more = null;
      }
      return;
    }
    if (!shown.more) {
      shown.more = moreButton();
      section.appendChild(shown.more);
    }
    var next = Math.min(PAGE_SIZE, remaining);
    shown.more.textContent = "Afficher " + (next === 1 ? "le résultat suivant" : "les " + next + " résultats suivants") +
      " (" + remaining + " restant" + (remaining === 1 ? ")" : "s)");
  }

  function appendPage(ticket) {
    var start = shown.list.children.length;
    var slice = shown.results.slice(start, start + PAGE_SIZE);
    return Promise.all(slice.map(function (result) { return result.data(); })).then(function (pages) {
      if (ticket !== latest || !shown) {
        return null;
      }
      var first = null;
      pages.forEach(function (data) {
        var item = resultItem(data);
        shown.list.appendChild(item);
        first = first || item.querySelector("a");
      });
      updateMoreButton();
      return first;
    });
  }

  function showMore() {
    if (!shown) {
      return;
    }
    var ticket = latest;
    appendPage(ticket).then(function (first) {
      if (first) {
        // The button may be gone: focus goes to the first new result, never to <body>.
        first.focus();
        say(reports(shown.list.children.length) + " affichés sur " + shown.results.length + ".");
      }
    });
  }

  function search(state) {
    var ticket = ++latest;
    searched = state;
    document.title = pageTitle;
    if (!state.q) {
      var focusWasInside = clearResults();
      section.hidden = true;
      say("");
      if (focusWasInside) {
        input.focus();
      }
      return Promise.resolve();
    }
    say("Recherche en cours…");
    return loadPagefind().then(function (pagefind) {
      var options = state.rubrique ? { filters: { rubrique: state.rubrique } } : {};
      return pagefind.search(state.q, options);
    }).then(function (found) {
      if (ticket !== latest || !found) {
        return null;
      }
      var focusWasInside = clearResults();
      var where = state.rubrique ? " dans la rubrique " + quoted(rubriqueLabel(state.rubrique)) : "";
      var count = found.results.length;
      if (count === 0) {
        section.hidden = true;
        document.title = "Aucun reportage pour " + quoted(state.q) + " — " + pageTitle;
        say("Aucun reportage ne correspond à " + quoted(state.q) + where + ". Vérifiez l’orthographe, " +
            "essayez un autre mot" + (state.rubrique ? " ou toutes les rubriques" : "") +
            ", ou parcourez les reportages ci-dessous.");
        if (focusWasInside) {
          input.focus();
        }
        return null;
      }
      var list = document.createElement("ol");
      list.className = "search-results-list";
      shown = { results: found.results, list: list, more: null };
      return appendPage(ticket).then(function () {
        if (ticket !== latest) {
          return;
        }
        section.insertBefore(list, shown.more);
        section.hidden = false;
        var total = reports(count) + (count === 1 ? " trouvé" : " trouvés");
        document.title = total + " pour " + quoted(state.q) + " — " + pageTitle;
        say(total + " pour " + quoted(state.q) + where + "." +
            (count > PAGE_SIZE ? " Les " + PAGE_SIZE + " premiers sont affichés." : ""));
        if (focusWasInside) {
          heading.focus();
        }
      });
    }).catch(function () {
      if (ticket !== latest) {
        return;
      }
      clearResults();
      section.hidden = true;
      say("La recherche n’est pas disponible pour le moment" + NBSP + ": l’index de recherche n’a pas pu être chargé. " +
          "Réessayez dans un instant, ou parcourez les reportages ci-dessous.");
    });
  }

  function currentForm() {
    return { q: input.value.trim(), rubrique: select ? select.value : "" };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var state = currentForm();
    remember(state);
    if (!state.q) {
      say("Tapez un ou plusieurs mots, puis choisissez " + quoted("Rechercher") + ".");
      input.focus();
      return;
    }
    search(state);
  });

  if (select) {
    select.addEventListener("change", function () {
      var state = currentForm();
      if (state.q) {
        remember(state);
        search(state);
      }
    });
  }

  // Fetch Pagefind's code and WebAssembly while the reader types the first query.
  input.addEventListener("focus", function () {
    loadPagefind().then(function (pagefind) { return pagefind.init(); }).catch(function () {});
  }, { once: true });

  window.addEventListener("popstate", function () {
    var state = readAddress();
    if (searched && state.q === searched.q && state.rubrique === searched.rubrique) {
      // Only the fragment changed (the skip link): the results shown are still the answer.
      return;
    }
    fillForm(state);
    search(state);
  });

  var initial = readAddress();
  fillForm(initial);
  if (initial.q) {
    search(initial);
  }
}());
