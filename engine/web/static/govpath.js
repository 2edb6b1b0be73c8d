// govuk-frontend's components (menu toggle, error summary focus); every page works without it.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();
