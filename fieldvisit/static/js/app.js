import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";
import { filterContactTargets } from "./contact-targets.js";

initAll();
filterContactTargets();
