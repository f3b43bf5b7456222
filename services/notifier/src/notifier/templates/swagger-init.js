// Starts Swagger UI on the API description the page names. A file rather than an
// inline script, so the docs page keeps to the site's Content-Security-Policy.
"use strict";
const holder = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: holder.dataset.url,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
