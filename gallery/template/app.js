// asal gallery: client-side sort and filter of the creature cards. Plain script, no dependencies,
// works from file:// (no fetch, no modules).
(function () {
  "use strict";
  var cards = document.getElementById("cards");
  if (!cards) return;
  var all = Array.prototype.slice.call(cards.querySelectorAll(".card"));
  var sort = document.getElementById("sort");
  var fSub = document.getElementById("f-substrate");
  var fObj = document.getElementById("f-objective");
  var fText = document.getElementById("f-text");
  var count = document.getElementById("count");

  function score(card) {
    var s = parseFloat(card.dataset.score);
    return isNaN(s) ? Infinity : s; // unscored creatures go last
  }
  var compare = {
    score: function (a, b) { return score(a) - score(b) || a.dataset.name.localeCompare(b.dataset.name); },
    substrate: function (a, b) {
      return a.dataset.substrate.localeCompare(b.dataset.substrate) || score(a) - score(b);
    },
    name: function (a, b) { return a.dataset.name.localeCompare(b.dataset.name); },
  };

  function update() {
    var sub = fSub.value, obj = fObj.value, words = fText.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    all.slice().sort(compare[sort.value] || compare.score).forEach(function (card) {
      var ok = (!sub || card.dataset.substrate === sub) &&
        (!obj || card.dataset.objective === obj) &&
        words.every(function (w) { return card.dataset.text.indexOf(w) >= 0; });
      card.hidden = !ok;
      if (ok) shown++;
      cards.appendChild(card); // re-appending moves the card: the DOM order becomes the sort order
    });
    count.textContent = shown + " of " + all.length + " shown";
  }
  [sort, fSub, fObj].forEach(function (el) { el.addEventListener("change", update); });
  fText.addEventListener("input", update);
  update();
})();
