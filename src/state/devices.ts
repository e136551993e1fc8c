import { create } from 'zustand'

/** One other device of this identity, as "Devices" lists it. */
export interface DeviceView {
  locationId: string
  label: string
  online: boolean
}

/** A newcomer that opened our device link: "Approve <name>", with the code to compare. */
export interface PendingDeviceView {
  id: string
  name: string
  code: string
}

/** This browser opening a device link: naming itself, connecting, then waiting for approval. */
export interface JoinState {
  link: string
  status: 'naming' | 'connecting' | 'waiting'
  /** the short code, once connected: the other device shows the same */
  code: string | null
}

interface DevicesState {
  devices: DeviceView[]
  /** the device link on screen (one-time, expires) */
  link: string | null
  pending: PendingDeviceView[]
  join: JoinState | null
}

export const useDevices = create<DevicesState>()(() => ({
  devices: [],
  link: null,
  pending: [],
  join: null,
}))

export const devicesActions = {
  setDevices(list: { locationId: string; label: string }[]): void {
    const online = new Set(
      useDevices
        .getState()
        .devices.filter((d) => d.online)
        .map((d) => d.locationId),
    )
    useDevices.setState({
      devices: list.map((d) => ({
        locationId: d.locationId,
        label: d.label,
        online: online.has(d.locationId),
      })),
    })
  },
  setOnline(locationId: string, online: boolean): void {
    useDevices.setState((s) => ({
      devices: s.devices.map((d) => (d.locationId === locationId ? { ...d, online } : d)),
    }))
  },
  setLink: (link: string | null): void =>
    useDevices.setState(link ? { link } : { link: null, pending: [] }),
  addPending: (device: PendingDeviceView): void =>
    useDevices.setState((s) => ({
      pending: [...s.pending.filter((d) => d.id !== device.id), device],
    })),
  removePending: (id: string): void =>
    useDevices.setState((s) => ({ pending: s.pending.filter((d) => d.id !== id) })),
  setJoin: (join: JoinState | null): void => useDevices.setState({ join }),
}
