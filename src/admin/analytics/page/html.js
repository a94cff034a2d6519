/** Preact with htm's tagged templates: JSX-like markup with no build step. */
import { h, render } from "preact";
import htm from "htm";

/** `html\`<div class=${c}>…</div>\`` → Preact vnodes. */
export const html = htm.bind(h);

export { render };
