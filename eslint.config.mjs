// ESLint for the phone app's modules (make lint). The service worker is a Jinja template
// (templates/visits/sw.js) and is checked by the browser tests instead.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["fieldvisit/static/pwa/**/*.js", "fieldvisit/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.serviceworker },
    },
    rules: {
      "no-unused-vars": ["error", { ignoreRestSiblings: true, caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
];
