import { h, link, setTitle } from "../ui.js";

export function render(main) {
  setTitle("Page not found");
  main.replaceChildren(h("h1", {}, "Page not found"),
    h("p", {}, "There is no page at ", h("code", {}, location.pathname), ". Try the ", link("/search", "search"), " or the ", link("/", "home page"), "."));
}
