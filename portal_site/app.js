// The portal's entry point. Reads where the API is from /config.js (window.IMAGEPOOL_CONFIG).
const config = window.IMAGEPOOL_CONFIG || { apiBase: "/api" };

async function showStatus() {
  const target = document.getElementById("api-status");
  try {
    const answer = await fetch(`${config.apiBase}/health`);
    const body = await answer.json();
    target.textContent = `API ${body.status} (stage ${body.stage})`;
    target.className = answer.ok ? "ok" : "bad";
  } catch (error) {
    target.textContent = `The API cannot be reached: ${error.message}`;
    target.className = "bad";
  }
}

showStatus();
