// The three names the vendored vega-interpreter module imports from "vega-util", taken from
// the vega bundle the page has already loaded (vega re-exports vega-util), so that the module
// runs in the browser without a bundler. The page's import map points "vega-util" here.
const vega = window.vega;

export const ascending = vega.ascending;
export const isString = vega.isString;
export const DisallowedObjectProperties = vega.DisallowedObjectProperties;
