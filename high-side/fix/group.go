package fix

import (
	"fmt"
	"slices"
)

// Group returns the instances of the repeating group whose NoXxx count is
// tag count. members lists every tag a group instance may hold, the
// delimiter (first) tag first, nested groups' tags included; an instance
// starts at each delimiter tag and the group ends at the first tag not in
// members. Without a data dictionary the caller supplies the layout.
//
// It returns an error when the count field is malformed, when the first
// field after it is not the delimiter, or when the number of instances
// differs from the count (FIX 4.4 Vol.1 "Repeating Groups").
func (m *Message) Group(count Tag, members ...Tag) ([][]Field, error) {
	return Group(m.Fields, count, members...)
}

// Group finds the repeating group counted by tag count in fields, as
// Message.Group does; pass one instance of an outer group to read a
// nested group.
func Group(fields []Field, count Tag, members ...Tag) ([][]Field, error) {
	if len(members) == 0 {
		return nil, fmt.Errorf("group %v: no member tags given", count)
	}
	at := slices.IndexFunc(fields, func(f Field) bool { return f.Tag == count })
	if at < 0 {
		return nil, nil
	}
	want, ok := parseUint(fields[at].Value)
	if !ok || want > maxFields {
		return nil, fmt.Errorf("group %v: malformed count %q", count, fields[at].Value)
	}
	var groups [][]Field
	for _, f := range fields[at+1:] {
		if f.Tag == members[0] {
			groups = append(groups, nil)
		} else if !slices.Contains(members, f.Tag) {
			break
		} else if len(groups) == 0 {
			return nil, fmt.Errorf("group %v: first field is %v, want delimiter %v",
				count, f.Tag, members[0])
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], f)
	}
	if int64(len(groups)) != want {
		return nil, fmt.Errorf("group %v: count is %d, found %d instances", count, want, len(groups))
	}
	return groups, nil
}
