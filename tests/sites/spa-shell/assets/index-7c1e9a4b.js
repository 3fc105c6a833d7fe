// A hand-written stand-in for a bundled single-page application: the router, the menu and the footer are made
// here, from window.__SHOP__, as React or Vue would make them. Without JavaScript the page is an empty #root.
(function () {
  const shop = window.__SHOP__;
  const root = document.getElementById("root");
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    children.forEach((c) => node.append(c));
    return node;
  };
  const nav = el("nav", { className: "menu" });
  shop.routes.forEach((r) => {
    const link = el("span", { className: "menu-item", textContent: r.title });
    link.dataset.to = r.path;
    link.addEventListener("click", () => { history.pushState({}, "", r.path); render(); });
    nav.append(link);
  });
  const main = el("main");
  const footer = el("footer", {}, shop.footer, " · ", shop.phone, " · ", shop.email, " · ", shop.hours);
  root.append(el("header", {}, el("strong", { textContent: shop.name }), nav), main, footer);
  function render() {
    const route = shop.routes.find((r) => r.path === location.pathname) || { title: "Accueil" };
    main.innerHTML = "<h1>" + route.title + "</h1>";
  }
  window.addEventListener("popstate", render);
  render();
})();
