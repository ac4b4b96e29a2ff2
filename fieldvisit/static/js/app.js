import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";
import { filterContactTargets } from "./contact-targets.js";
import { followJob } from "./job-progress.js";

initAll();
filterContactTargets();
followJob();
