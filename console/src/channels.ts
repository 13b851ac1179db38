// Channel icons: small inline SVGs, always shown next to a text label (the
// icon is decoration, the label is what a screen reader reads).
import { h, s } from './dom';

interface ChannelStyle {
  name: string;
  color: string; // dark enough for white text and for a 3:1 graphic contrast
  path: string; // 24x24 icon path
}

const CHANNELS: Record<string, ChannelStyle> = {
  CHAT: { name: 'Chat', color: '#1d4ed8', path: 'M4 4h16v11H8l-4 4z' },
  WHATSAPP: { name: 'WhatsApp', color: '#166534', path: 'M12 3a9 9 0 0 0-7.8 13.5L3 21l4.6-1.2A9 9 0 1 0 12 3zm-3 5h2l1 2.5-1.2 1.2a7 7 0 0 0 2.5 2.5l1.2-1.2L16 14v2a2 2 0 0 1-2 1A8 8 0 0 1 7 10a2 2 0 0 1 2-2z' },
  EMAIL: { name: 'E-mail', color: '#7c2d12', path: 'M3 5h18v14H3zm1.5 1.5L12 12l7.5-5.5' },
  PHONE: { name: 'Phone', color: '#6b21a8', path: 'M6 3h3l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v3a3 3 0 0 1-3 3A15 15 0 0 1 3 6a3 3 0 0 1 3-3z' },
  SMS: { name: 'SMS', color: '#0e7490', path: 'M5 3h14v14H9l-4 4zm3 6h8M8 12h5' },
  WEB: { name: 'Web', color: '#0f766e', path: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-9 9h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18' },
  STORE: { name: 'Store', color: '#9a3412', path: 'M3 9l2-5h14l2 5v2H3zm1 2v9h16v-9M9 20v-5h6v5' },
  SOCIAL: { name: 'Social', color: '#be185d', path: 'M7 12a3 3 0 1 0 0 .1zm10-6a3 3 0 1 0 0 .1zm0 12a3 3 0 1 0 0 .1M9.5 10.5l5-3M9.5 13.5l5 3' },
  OTHER: { name: 'Other', color: '#374151', path: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm-4 9h.1m3.9 0h.1m3.9 0h.1' },
};

/** Order channels (ONLINE, STORE) map onto the timeline's channels. */
const ORDER_CHANNEL: Record<string, string> = { ONLINE: 'WEB', STORE: 'STORE' };

function style(channel: string | null | undefined): ChannelStyle {
  const c = channel ? (CHANNELS[channel] ?? CHANNELS[ORDER_CHANNEL[channel] ?? ''] ?? null) : null;
  return c ?? { name: channel ? channel.charAt(0) + channel.slice(1).toLowerCase() : 'Unknown', color: '#374151', path: CHANNELS.OTHER.path };
}

/** channelName is the channel's human name ("WhatsApp"). */
export function channelName(channel: string | null | undefined): string {
  return style(channel).name;
}

/** channelColor is the channel's colour, for charts and the graph. */
export function channelColor(channel: string | null | undefined): string {
  return style(channel).color;
}

/** icon is the channel's icon alone, hidden from assistive technology. */
export function icon(channel: string | null | undefined): SVGElement {
  const st = style(channel);
  return s(
    'svg',
    { class: 'icon', viewBox: '0 0 24 24', width: 18, height: 18, 'aria-hidden': 'true', focusable: 'false' },
    s('path', { d: st.path, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }),
  );
}

/** chip is the icon with its text label, in the channel's colour. */
export function chip(channel: string | null | undefined): HTMLElement {
  const st = style(channel);
  return h(
    'span',
    { class: 'chip', 'data-channel': channel && CHANNELS[channel] ? channel : ORDER_CHANNEL[channel ?? ''] ?? 'OTHER' },
    icon(channel),
    h('span', { class: 'chip-label' }, st.name),
  );
}
