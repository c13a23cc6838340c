// Starts Swagger UI on the embedded OpenAPI document (no network access needed).
window.addEventListener("load", function () {
  window.SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
