// Progressive enhancement only: every page works without this file.
"use strict";

// Ask before destructive actions: <form data-confirm="Question?">.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Follow a background job: <div class="job" data-status-url="...">.
function followJob(box) {
  const bar = box.querySelector("progress");
  const percent = box.querySelector(".job-percent");
  const status = box.querySelector(".job-status");
  const message = box.querySelector(".job-message");
  const error = box.querySelector(".job-error");
  let delay = 500;
  const poll = async () => {
    let state;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state = await response.json();
    } catch (failure) {
      message.textContent = `Could not read the job's status (${failure.message}); retrying.`;
      delay = Math.min(delay * 2, 10000);
      window.setTimeout(poll, delay);
      return;
    }
    bar.value = state.progress;
    percent.textContent = state.progress;
    status.textContent = state.status;
    status.className = `job-status status-${state.status}`;
    message.textContent = state.message;
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
    }
    if (state.done) {
      if (state.result || state.status === "failed") window.location.reload();
      return;
    }
    delay = Math.min(delay * 1.5, 5000);
    window.setTimeout(poll, delay);
  };
  if (!box.querySelector(".status-finished") && !box.querySelector(".status-failed")) poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".job[data-status-url]").forEach(followJob);
  document.querySelectorAll("input.copy").forEach((input) => input.addEventListener("focus", () => input.select()));
});
