// Vite's client types: CSS and asset imports, import.meta.env.
/// <reference types="vite/client" />

// Components import their CSS module as a namespace (`import * as styles`): each class is then
// its own export and the build keeps only those used (vite/client types only the default
// export, an object that would ship every class name of the module in the JavaScript).
declare module "*.module.css" {
  const classes: CSSModuleClasses;
  export = classes;
}
