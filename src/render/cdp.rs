//! A Chrome DevTools Protocol client over `--remote-debugging-pipe`: the browser reads commands on its fd 3 and
//! writes answers and events on its fd 4, each a JSON text ended by a NUL byte. No websocket, no port another local
//! process could connect to, no driver crate (chromiumoxide generates the whole protocol, ~1,000 types, and brings
//! its own async stack; the dozen commands a page needs are written here as plain JSON).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

/// A message from the browser larger than this ends the browser: a DOM is cut before it is sent (see the page's
/// script), so only a hostile or broken page gets here, and it must not take the audit's memory.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

type Pending = Arc<Mutex<HashMap<u64, Sender<Result<Value, String>>>>>;
type Sessions = Arc<Mutex<HashMap<String, Sender<Value>>>>;

/// One browser process and the pipe to it.
pub struct Browser {
    child: Mutex<Child>,
    commands: Mutex<File>,
    next_id: AtomicU64,
    pending: Pending,
    sessions: Sessions,
    alive: Arc<AtomicBool>,
}

/// The answer to a command sent, read when the caller is ready (events keep coming meanwhile).
pub struct Reply {
    answer: Receiver<Result<Value, String>>,
    method: &'static str,
}

impl Reply {
    /// Waits for the answer at most `timeout`.
    pub fn wait(self, timeout: Duration) -> Result<Value, String> {
        match self.answer.recv_timeout(timeout) {
            Ok(answer) => answer,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "Chromium did not answer {} within {} s",
                self.method,
                timeout.as_secs()
            )),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err("Chromium stopped".to_string())
            }
        }
    }

    /// The answer if it came.
    pub fn ready(&self) -> Option<Result<Value, String>> {
        self.answer.try_recv().ok()
    }
}

impl Browser {
    /// Starts `program` with `args` and the pipe; its own process group, so that its children die with it.
    pub fn launch(program: &Path, args: &[String]) -> Result<Browser, String> {
        let (commands_read, commands_write) = pipe()?;
        let (events_read, events_write) = pipe()?;
        let mut command = Command::new(program);
        command
            .args(args)
            .arg("--remote-debugging-pipe")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        // SAFETY: between fork and exec only async-signal-safe calls (dup2, close) on descriptors this process
        // owns; the pipe ends are moved to the numbers Chromium expects, 3 (commands) and 4 (answers).
        unsafe {
            command.pre_exec(move || {
                let high_read = libc::fcntl(commands_read, libc::F_DUPFD, 10);
                let high_write = libc::fcntl(events_write, libc::F_DUPFD, 10);
                if high_read < 0
                    || high_write < 0
                    || libc::dup2(high_read, 3) < 0
                    || libc::dup2(high_write, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(high_read);
                libc::close(high_write);
                Ok(())
            });
        }
        let spawned = command.spawn();
        // SAFETY: the child has its copies; these ends are the child's only and are closed here once.
        unsafe {
            libc::close(commands_read);
            libc::close(events_write);
        }
        // SAFETY: each descriptor is owned by one File from here on.
        let commands = unsafe { File::from_raw_fd(commands_write) };
        let events = unsafe { File::from_raw_fd(events_read) };
        let child = spawned.map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let pending: Pending = Arc::default();
        let sessions: Sessions = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        {
            let (pending, sessions, alive) = (pending.clone(), sessions.clone(), alive.clone());
            std::thread::Builder::new()
                .name("cdp-reader".into())
                .spawn(move || read_messages(events, &pending, &sessions, &alive))
                .map_err(|e| format!("cannot start the browser's reader: {e}"))?;
        }
        Ok(Browser {
            child: Mutex::new(child),
            commands: Mutex::new(commands),
            next_id: AtomicU64::new(1),
            pending,
            sessions,
            alive,
        })
    }

    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Relaxed)
    }

    /// Sends `method` (to a page's session, or to the browser) and returns the answer to come.
    pub fn send(&self, session: Option<&str>, method: &'static str, params: Value) -> Reply {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = channel();
        lock(&self.pending).insert(id, tx.clone());
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("JSON serialises");
        bytes.push(0);
        if let Err(e) = lock(&self.commands).write_all(&bytes) {
            lock(&self.pending).remove(&id);
            let _ = tx.send(Err(format!("cannot write to Chromium: {e}")));
        }
        Reply { answer: rx, method }
    }

    /// Sends `method` and waits for its answer.
    pub fn call(
        &self,
        session: Option<&str>,
        method: &'static str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, String> {
        self.send(session, method, params).wait(timeout)
    }

    /// The events of one page's session, from now on.
    pub fn events(&self, session: &str) -> Receiver<Value> {
        let (tx, rx) = channel();
        lock(&self.sessions).insert(session.to_string(), tx);
        rx
    }

    pub fn forget(&self, session: &str) {
        lock(&self.sessions).remove(session);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let mut child = lock(&self.child);
        // SAFETY: signalling the process group this browser leads (spawned with process_group(0)).
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGKILL);
        }
        let _ = child.wait();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A pipe whose both ends close on exec (the child gets its copies through `pre_exec`).
fn pipe() -> Result<(RawFd, RawFd), String> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    Ok((fds[0], fds[1]))
}

/// Reads NUL-ended messages until the browser closes its end: answers go to their callers, events to their
/// session. When it ends, every caller still waiting is told.
fn read_messages(events: File, pending: &Pending, sessions: &Sessions, alive: &AtomicBool) {
    let mut reader = BufReader::with_capacity(1 << 16, events);
    let mut message: Vec<u8> = Vec::new();
    loop {
        let chunk = match reader.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(chunk) => chunk,
        };
        let (used, complete) = match chunk.iter().position(|&b| b == 0) {
            Some(end) => {
                message.extend_from_slice(&chunk[..end]);
                (end + 1, true)
            }
            None => {
                message.extend_from_slice(chunk);
                (chunk.len(), false)
            }
        };
        reader.consume(used);
        if message.len() > MAX_MESSAGE_BYTES {
            break;
        }
        if !complete {
            continue;
        }
        if let Ok(value) = serde_json::from_slice::<Value>(&message) {
            dispatch(value, pending, sessions);
        }
        message.clear();
    }
    alive.store(false, Ordering::Relaxed);
    for (_, waiting) in lock(pending).drain() {
        let _ = waiting.send(Err("Chromium stopped".into()));
    }
    lock(sessions).clear();
}

fn dispatch(mut value: Value, pending: &Pending, sessions: &Sessions) {
    if let Some(id) = value.get("id").and_then(Value::as_u64) {
        let Some(waiting) = lock(pending).remove(&id) else {
            return;
        };
        let answer = match value.get_mut("error") {
            Some(error) => Err(format!(
                "Chromium: {}",
                error["message"].as_str().unwrap_or("error")
            )),
            None => Ok(value["result"].take()),
        };
        let _ = waiting.send(answer);
    } else if let Some(session) = value.get("sessionId").and_then(Value::as_str) {
        if let Some(events) = lock(sessions).get(session) {
            let _ = events.send(value);
        }
    }
}
