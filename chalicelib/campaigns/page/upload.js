// The call-list upload page: the account's API key (kept for this tab only), its flows, a
// file picked or dropped, sent in parts of at most 1 MB with a progress bar, then loaded; the
// result is polled until the file is read, and the rejected rows are listed with their
// reasons. Talks only to this app's REST API (same origin).
"use strict";

const PART = 1024 * 1024;
const MAX = 5 * 1024 * 1024;
const $ = (id) => document.getElementById(id);
let key = sessionStorage.getItem("ringflow-key") || "";
let file = null;

function say(id, text, kind) {
  const node = $(id);
  node.textContent = text;
  node.className = kind || "";
}

async function api(method, path, body, type) {
  const headers = { Authorization: "Bearer " + key };
  if (body !== undefined && type === undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  } else if (type !== undefined) {
    headers["Content-Type"] = type;
  }
  const answer = await fetch(path, { method, headers, body });
  const text = await answer.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!answer.ok) {
    const detail = data && data.detail ? data.detail : answer.status + " " + answer.statusText;
    throw new Error(detail);
  }
  return data;
}

function sendPart(uploadId, number, blob, done, total) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", "/v1/outbound/uploads/" + uploadId + "/parts/" + number);
    request.setRequestHeader("Authorization", "Bearer " + key);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => {
      $("progress").value = Math.round(((done + event.loaded) / total) * 100);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) { resolve(); return; }
      let detail = request.status + "";
      try { detail = JSON.parse(request.responseText).detail || detail; } catch (e) { /* keep */ }
      reject(new Error(detail));
    };
    request.onerror = () => reject(new Error("the connection failed"));
    request.send(blob);
  });
}

async function useKey(event) {
  event.preventDefault();
  key = $("api-key").value.trim();
  try {
    const flows = await api("GET", "/v1/flows");
    sessionStorage.setItem("ringflow-key", key);
    const select = $("flow");
    select.replaceChildren();
    for (const flow of flows) {
      const option = document.createElement("option");
      option.value = flow.flow_id;
      option.textContent = flow.name ? flow.flow_id + " (" + flow.name + ")" : flow.flow_id;
      select.append(option);
    }
    say("key-status", flows.length + " flows", "ok");
    $("flow-section").hidden = false;
    $("file-section").hidden = false;
  } catch (error) {
    say("key-status", error.message, "error");
  }
}

async function downloadTemplate(event) {
  event.preventDefault();
  const flow = $("flow").value;
  try {
    const answer = await fetch("/v1/outbound/flows/" + encodeURIComponent(flow) + "/template", {
      headers: { Authorization: "Bearer " + key },
    });
    if (!answer.ok) throw new Error((await answer.json()).detail);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await answer.blob());
    link.download = flow + "-template.csv";
    link.click();
  } catch (error) {
    say("upload-status", error.message, "error");
  }
}

function choose(chosen) {
  file = chosen || null;
  $("result").hidden = true;
  if (!file) { $("upload").disabled = true; return; }
  if (!/\.(csv|zip)$/i.test(file.name)) {
    say("chosen", file.name + ": a call list is a .csv file or a .zip holding one", "error");
    $("upload").disabled = true;
    return;
  }
  if (file.size > MAX) {
    say("chosen", file.name + " is over 5 MB", "error");
    $("upload").disabled = true;
    return;
  }
  say("chosen", file.name + " (" + file.size + " bytes)");
  $("upload").disabled = false;
}

function wait(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

function show(upload) {
  $("result").hidden = false;
  const body = $("rejected").querySelector("tbody");
  body.replaceChildren();
  if (upload.state === "refused") {
    say("summary", "Not loaded: " + upload.error + " Nothing was loaded.", "error");
    $("rejected").hidden = true;
    return;
  }
  say(
    "summary",
    "Loaded: " + upload.rows + " contacts will be called (campaign " + upload.campaign_id +
      "); " + upload.rejected_count + " rows were rejected.",
    "ok",
  );
  for (const rejected of upload.rejected) {
    const row = document.createElement("tr");
    const number = document.createElement("td");
    number.textContent = rejected.row;
    const reason = document.createElement("td");
    reason.textContent = rejected.reason;
    row.append(number, reason);
    body.append(row);
  }
  $("rejected").hidden = upload.rejected.length === 0;
}

async function upload() {
  if (!file) return;
  $("upload").disabled = true;
  $("progress").hidden = false;
  $("progress").value = 0;
  try {
    say("upload-status", "Sending " + file.name + " ...");
    const flow = $("flow").value;
    const started = await api("POST", "/v1/outbound/flows/" + encodeURIComponent(flow) + "/uploads", {
      filename: file.name,
    });
    let number = 0;
    for (let start = 0; start < file.size; start += PART) {
      await sendPart(started.upload_id, number, file.slice(start, start + PART), start, file.size);
      number += 1;
    }
    $("progress").value = 100;
    say("upload-status", "Sent. Reading the file ...");
    let state = await api("POST", "/v1/outbound/uploads/" + started.upload_id + "/load");
    for (let tries = 0; state.state === "loading" && tries < 600; tries += 1) {
      await wait(500);
      state = await api("GET", "/v1/outbound/uploads/" + started.upload_id);
    }
    say("upload-status", state.state === "loading" ? "Still reading: look again later." : "Done.");
    if (state.state !== "loading") show(state);
  } catch (error) {
    say("upload-status", error.message, "error");
  } finally {
    $("upload").disabled = !file;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("api-key").value = key;
  $("key-form").addEventListener("submit", useKey);
  $("template").addEventListener("click", downloadTemplate);
  $("file").addEventListener("change", (event) => choose(event.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    choose(event.dataTransfer.files[0]);
  });
  $("upload").addEventListener("click", upload);
});
