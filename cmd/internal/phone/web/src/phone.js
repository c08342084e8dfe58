// The consentgw browser phone: calls the gateway with JsSIP over SIP over WebSocket
// (RFC 7118), sends the consent digits by RTCDTMFSender (RFC 4733) or SIP INFO, and shows
// where the call is on one status line. Bundled by esbuild into dist/phone.js.
import JsSIP from 'jssip';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let ua = null;
let session = null;

function status(text) {
  $('status').textContent = text;
  document.body.dataset.status = text.split(':')[0];
}

// The WebSocket URL: ?ws=… wins, else the gateway's listeners from config.json, wss
// first on an https page (a browser refuses ws: from a secure page).
async function socketURL() {
  if (params.get('ws')) return params.get('ws');
  const res = await fetch('config.json');
  const cfg = await res.json();
  const wanted = location.protocol === 'https:' ? ['wss:'] : ['ws:', 'wss:'];
  for (const scheme of wanted) {
    const url = cfg.websockets.find((u) => u.startsWith(scheme));
    if (url) return url;
  }
  throw new Error('the gateway has no ' + wanted.join(' or ') + ' listener (sip.listen)');
}

async function call() {
  if (session) return;
  const number = $('number').value.trim();
  if (!number) {
    status('failed: enter a number to call');
    return;
  }
  let url;
  try {
    url = await socketURL();
  } catch (e) {
    status('failed: ' + e.message);
    return;
  }
  const host = new URL(url).hostname;
  const caller = $('caller').value.trim() || 'anonymous';
  if (!ua) {
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(url)],
      uri: 'sip:' + caller + '@browser.invalid',
      register: false,
      session_timers: false,
    });
    ua.start();
  }
  // JsSIP fails an INVITE sent while its WebSocket is still opening (or the TLS of wss:
  // still running), so the call waits for the connection.
  status('connecting');
  try {
    await connected(ua, url);
  } catch (e) {
    ua.stop();
    ua = null;
    status('failed: ' + e.message);
    return;
  }
  status('calling');
  session = ua.call('sip:' + number + '@' + host, {
    // The caller's voice goes to the recording as spoken: no processing that would
    // take a steady tone (or in-band digits) for noise.
    mediaConstraints: { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }, video: false },
    pcConfig: { iceServers: [] },
    eventHandlers: {
      peerconnection: (e) => {
        const pc = e.peerconnection;
        pc.addEventListener('track', (t) => {
          $('remote').srcObject = t.streams[0];
        });
        pc.addEventListener('connectionstatechange', () => {
          $('media').textContent = pc.connectionState;
        });
      },
      progress: () => status('ringing'),
      confirmed: () => status('in call'),
      ended: (e) => finish('ended: ' + e.cause),
      failed: (e) => finish('failed: ' + e.cause),
    },
  });
}

function connected(agent, url) {
  if (agent.isConnected()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    agent.once('connected', resolve);
    agent.once('disconnected', () => reject(new Error('cannot reach ' + url)));
  });
}

function finish(text) {
  session = null;
  status(text);
}

function hangup() {
  if (session) session.terminate();
}

// A keypad press: RFC 4733 events through the peer connection's RTCDTMFSender, or a
// SIP INFO, as chosen on the page.
function press(digit) {
  if (!session || !session.isEstablished()) return;
  const transportType = $('dtmf').value === 'info' ? 'INFO' : 'RFC2833';
  session.sendDTMF(digit, { transportType, duration: 160, interToneGap: 80 });
  $('sent').textContent += digit;
}

if (params.get('debug')) JsSIP.debug.enable('JsSIP:*');
$('number').value = params.get('to') || $('number').value;
$('caller').value = params.get('from') || '';
if (params.get('dtmf')) $('dtmf').value = params.get('dtmf');
$('call').addEventListener('click', call);
$('hangup').addEventListener('click', hangup);
for (const b of document.querySelectorAll('[data-digit]')) {
  b.addEventListener('click', () => press(b.dataset.digit));
}
status('ready');
