// The header, the footer and the contact details of every page, written here once: the HTML of each page leaves
// them empty.
(function () {
  const contact = {
    phone: "08 99 23 45 67",
    email: "contact@horlogerie-du-parc.fr",
    address: "12 rue Royale, 74000 Annecy",
  };
  const menu = [
    ["index.html", "Accueil"], ["boutique.html", "Boutique"], ["contact.html", "Contact"],
    ["livraison.html", "Livraison et retours"],
  ];
  const header = document.getElementById("site-header");
  header.innerHTML = `<a class="logo" href="index.html">Horlogerie du Parc</a><nav>${menu
    .map(([href, label]) => `<a href="${href}">${label}</a>`).join("")}</nav>`;
  const footer = document.getElementById("site-footer");
  footer.innerHTML = `<p>${contact.address} · ${contact.phone} · ${contact.email}</p>
    <p><a href="mentions-legales.html">Mentions légales</a> · <a href="cgv.html">CGV</a> ·
    <a href="confidentialite.html">Confidentialité</a></p>`;
  document.querySelectorAll(".email").forEach((e) => { e.textContent = contact.email; });
  document.querySelectorAll(".address").forEach((e) => { e.textContent = contact.address; });
  document.querySelectorAll("[data-href]").forEach((e) => {
    e.addEventListener("click", () => { location.href = e.dataset.href; });
  });
})();
