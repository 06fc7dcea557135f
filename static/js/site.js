// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // A polite live region, so changes made here are read out by screen readers.
  function announce(text) {
    var region = document.getElementById("js-announcer");
    if (!region) {
      region = document.createElement("p");
      region.id = "js-announcer";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      document.body.appendChild(region);
    }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // "Use my location": fill lat/lng from the browser and search; the typed place is cleared.
  function setupGeolocation() {
    if (!("geolocation" in navigator)) return;
    document.querySelectorAll("[data-geolocate]").forEach(function (button) {
      var form = button.closest("form");
      if (!form) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var label = button.textContent;
        button.disabled = true;
        button.textContent = "Finding your location…";
        navigator.geolocation.getCurrentPosition(function (position) {
          ["lat", "lng"].forEach(function (name) {
            var input = form.querySelector('input[name="' + name + '"]');
            if (!input) {
              input = document.createElement("input");
              input.type = "hidden";
              input.name = name;
              form.appendChild(input);
            }
            var value = name === "lat" ? position.coords.latitude : position.coords.longitude;
            input.value = value.toFixed(5);
          });
          var near = form.querySelector('input[name="near"]');
          if (near) near.value = "";
          form.submit();
        }, function () {
          button.disabled = false;
          button.textContent = label;
          announce("We couldn't get your location. Type a town or postcode instead.");
          var near = form.querySelector('input[name="near"]');
          if (near) near.focus();
        }, { timeout: 10000, maximumAge: 600000 });
      });
    });
  }

  // Leave empty fields out of the URL so shared searches stay short and readable.
  function setupSearchForms() {
    document.querySelectorAll("form[data-search-form]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("input, select").forEach(function (field) {
          if (field.name && field.value === "" && field.type !== "radio" && field.type !== "checkbox") {
            field.disabled = true;
          }
        });
        var near = form.querySelector('input[name="near"]');
        if (near && near.value.trim() !== "") {
          form.querySelectorAll('input[name="lat"], input[name="lng"]').forEach(function (f) { f.disabled = true; });
        }
      });
    });
    // Coming back with the browser's Back button must not leave fields disabled.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-search-form] [disabled]").forEach(function (f) { f.disabled = false; });
    });
  }

  // Shortlist buttons: post in the background and update the button and the header count.
  function setupShortlist() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("[data-shortlist-form]") || !window.fetch) return;
      event.preventDefault();
      var action = form.querySelector('input[name="action"]');
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.getAttribute("action"), {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (data) {
        action.value = data.in_shortlist ? "remove" : "add";
        button.querySelector("[data-label]").textContent = data.in_shortlist ? "Remove from shortlist" : "Add to shortlist";
        button.classList.toggle("is-on", data.in_shortlist);
        document.querySelectorAll("[data-shortlist-count]").forEach(function (count) {
          count.textContent = data.count;
          count.hidden = data.count === 0;
        });
        announce(data.message);
      }).catch(function () {
        form.submit();  // fall back to the ordinary form post
      }).finally(function () {
        button.disabled = false;
      });
    });
  }

  // Click a portfolio photo to see it large; the plain link to the image works without this.
  function setupLightbox() {
    var links = document.querySelectorAll("a[data-lightbox]");
    if (!links.length) return;
    var opener = null;
    var overlay = null;

    function close() {
      if (!overlay) return;
      overlay.remove();
      overlay = null;
      document.body.classList.remove("has-lightbox");
      if (opener) opener.focus();
    }

    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        opener = link;
        overlay = document.createElement("div");
        overlay.className = "lightbox";
        overlay.setAttribute("role", "dialog");
        overlay.setAttribute("aria-modal", "true");
        overlay.setAttribute("aria-label", link.dataset.caption || "Photo");
        var figure = document.createElement("figure");
        var img = document.createElement("img");
        img.src = link.href;
        img.alt = (link.querySelector("img") || {}).alt || "";
        var caption = document.createElement("figcaption");
        caption.textContent = link.dataset.caption || "";
        var closeButton = document.createElement("button");
        closeButton.type = "button";
        closeButton.className = "lightbox__close";
        closeButton.setAttribute("aria-label", "Close photo");
        closeButton.textContent = "×";
        closeButton.addEventListener("click", close);
        figure.appendChild(img);
        figure.appendChild(caption);
        overlay.appendChild(closeButton);
        overlay.appendChild(figure);
        overlay.addEventListener("click", function (e) { if (e.target === overlay) close(); });
        overlay.addEventListener("keydown", function (e) {
          if (e.key === "Escape") close();
          if (e.key === "Tab") { e.preventDefault(); closeButton.focus(); }
        });
        document.body.appendChild(overlay);
        document.body.classList.add("has-lightbox");
        closeButton.focus();
      });
    });
  }

  // The extra search filters start open where there is room for them.
  function setupMoreFilters() {
    if (!window.matchMedia("(min-width: 960px)").matches) return;
    document.querySelectorAll("details[data-more-filters]").forEach(function (d) { d.open = true; });
  }

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    setupGeolocation();
    setupSearchForms();
    setupShortlist();
    setupLightbox();
    setupPrint();
    setupMoreFilters();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
