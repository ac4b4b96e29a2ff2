// The contact form offers only the numbers or addresses the chosen way of contact can reach
// (numbers for a call or text, email addresses for an email, postal addresses for a letter
// or a visit). The server checks the same rule (cases/contact_options.py); without script
// every target stays listed.
export function filterContactTargets(root = document) {
  const list = root.querySelector("[data-fv-reaches]");
  const form = list?.closest("form");
  if (!list || !form) return;
  const reaches = JSON.parse(list.dataset.fvReaches);
  const update = () => {
    const method = form.querySelector('input[name="method"]:checked')?.value;
    const kinds = reaches[method];
    for (const item of list.querySelectorAll("[data-fv-kind]")) {
      const fits = !kinds || kinds.includes(item.dataset.fvKind);
      item.hidden = !fits;
      const input = item.querySelector("input");
      if (!fits && input.checked) input.checked = false;
    }
  };
  for (const input of form.querySelectorAll('input[name="method"]')) {
    input.addEventListener("change", update);
  }
  update();
}
