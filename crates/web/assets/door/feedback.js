// What door staff hear and feel with each answer: a sound for each colour
// (made by WebAudio, so there is no file to load) and a vibration.

const TONES = {
  green: { wave: 'sine', notes: [[880, 0.08], [0, 0.04], [1320, 0.14]] },
  amber: { wave: 'triangle', notes: [[660, 0.16], [0, 0.06], [520, 0.22]] },
  red: { wave: 'square', notes: [[196, 0.5]] },
};
const VIBRATIONS = { green: [80], amber: [120, 80, 120], red: [400] };

let audio = null;

/// Browsers play sound only after a tap or key: call this from one.
export function allowSound() {
  audio ??= new AudioContext();
  if (audio.state === 'suspended') audio.resume();
}

export function signal(colour) {
  navigator.vibrate?.(VIBRATIONS[colour]);
  if (!audio || audio.state !== 'running') return;
  const { wave, notes } = TONES[colour];
  let at = audio.currentTime;
  for (const [frequency, seconds] of notes) {
    if (frequency > 0) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = wave;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + seconds);
    }
    at += seconds;
  }
}
