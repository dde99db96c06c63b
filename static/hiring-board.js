// Drag and drop on the pipeline board: progressive enhancement of the per-card move forms.
// Dropping a card on a column sets that card's form to the column's stage and submits it, so the
// move goes through the same form, CSRF token and server checks as the Move button.
"use strict";

(() => {
  let dragged = null;

  function clearTargets(board) {
    board.querySelectorAll(".drop-target").forEach((zone) => zone.classList.remove("drop-target"));
  }

  function moveTo(card, zone) {
    const form = card.querySelector("form.move-form");
    if (!form || zone.dataset.stageId === card.dataset.stageId) return;
    const select = form.querySelector("select[name=to_stage]");
    const reason = form.querySelector("input[name=reason]");
    select.value = zone.dataset.stageId;
    if (select.value !== zone.dataset.stageId) return; // no such option: leave the card alone
    if (zone.dataset.stageKind === "rejected" && !reason.value.trim()) {
      const given = window.prompt(`Why is ${card.dataset.candidateName} rejected?`);
      if (!given || !given.trim()) return;
      reason.value = given.trim();
    }
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  function enhance(board) {
    board.querySelectorAll(".card[draggable=true]").forEach((card) => {
      card.addEventListener("dragstart", (event) => {
        dragged = card;
        card.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.dataset.applicationId);
      });
      card.addEventListener("dragend", () => {
        card.classList.remove("dragging");
        dragged = null;
        clearTargets(document);
      });
    });
    board.querySelectorAll(".column[data-stage-id]").forEach((zone) => {
      zone.addEventListener("dragover", (event) => {
        if (!dragged) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        zone.classList.add("drop-target");
      });
      zone.addEventListener("dragleave", (event) => {
        if (!zone.contains(event.relatedTarget)) zone.classList.remove("drop-target");
      });
      zone.addEventListener("drop", (event) => {
        event.preventDefault();
        zone.classList.remove("drop-target");
        if (dragged) moveTo(dragged, zone);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.querySelector(".board-editable")) document.querySelectorAll(".board").forEach(enhance);
  });
})();
