// A page about a background job (a batch of letters) says how far it has got without
// reloading: it asks the server every two seconds and, once the job has finished, reloads
// to show what it made. Without script the page offers a link to check again.
export function followJob(root = document, every = 2000) {
  const panel = root.querySelector("[data-fv-job]");
  if (!panel) return;
  const status = panel.querySelector("[data-fv-job-status]");
  const bar = panel.querySelector("progress");
  const check = async () => {
    try {
      const answer = await fetch(panel.dataset.fvJob, { headers: { Accept: "application/json" } });
      if (answer.ok) {
        const job = await answer.json();
        if (job.finished) {
          window.location.reload();
          return;
        }
        bar.max = Math.max(job.total, 1);
        bar.value = job.done;
        status.textContent = job.message;
      }
    } catch {
      // No answer this time (the signal dropped): ask again at the next tick.
    }
    setTimeout(check, every);
  };
  setTimeout(check, every);
}
