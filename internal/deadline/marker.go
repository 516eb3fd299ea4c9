package deadline

// Managed is implemented by streams whose every call goes through iox's
// door on its own, with their deadlines kept by Keepers: netx's conns.
// iox's stream wrappers (Reader, Writer, Copy) use such a stream as it is
// instead of wrapping it again, so that its calls are not made twice over
// and the deadlines its user set are not taken for the real ones.
//
// The method is unexported, so only a type that embeds Marker has it.
type Managed interface{ managedByDoor() }

// Marker implements Managed for the type that embeds it.
type Marker struct{}

func (Marker) managedByDoor() {}
