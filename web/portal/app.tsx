// The portal's shell: navigation and a hash router (#/overview, #/workloads, #/chain?pod=…, …).
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { post } from "./api.js";
import { ChainView } from "./ChainView.js";
import { Audit, Clusters, Identities, Match, Overview, SignIns, Workloads } from "./pages.js";

const PAGES = [
  ["overview", "Overview"],
  ["workloads", "Workloads"],
  ["identities", "Identities"],
  ["signins", "Sign-in logs"],
  ["audit", "Key Vault audit"],
  ["clusters", "Clusters"],
  ["match", "Which credential matches?"],
] as const;

function route(): { page: string; query: URLSearchParams } {
  const h = window.location.hash.replace(/^#\/?/, "");
  const [page, q] = h.split("?");
  return { page: page || "overview", query: new URLSearchParams(q ?? "") };
}

function Page({ page, query }: { page: string; query: URLSearchParams }) {
  switch (page) {
    case "workloads":
      return <Workloads />;
    case "chain":
      return <ChainView query={query} />;
    case "identities":
      return <Identities />;
    case "signins":
      return <SignIns />;
    case "audit":
      return <Audit />;
    case "clusters":
      return <Clusters />;
    case "match":
      return <Match />;
    default:
      return <Overview />;
  }
}

function App() {
  const [r, setR] = useState(route());
  useEffect(() => {
    const on = () => setR(route());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const user = document.querySelector<HTMLMetaElement>('meta[name="user"]')?.content ?? "";
  const signOut = async () => {
    await post("/portal/api/signout", {});
    window.location.assign("/portal");
  };
  return (
    <>
      <header>
        <a class="skip" href="#main">Skip to content</a>
        <h1>wilab portal</h1>
        <span class="user">{user}</span>
        <button onClick={() => void signOut()}>Sign out</button>
      </header>
      <nav aria-label="portal">
        <ul>
          {PAGES.map(([id, label]) => (
            <li key={id}>
              <a href={`#/${id}`} aria-current={r.page === id ? "page" : undefined}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Page page={r.page} query={r.query} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
