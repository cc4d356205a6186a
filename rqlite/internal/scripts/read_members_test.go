package scripts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/colasrq/rqlite-tutorial/rqlite/rqtest"
)

func TestReadMembers(t *testing.T) {
	ctx := context.Background()
	rdb := rqtest.New(t)
	read := func(t *testing.T, a ReadMembersArgs) ReadMembersReply {
		t.Helper()
		r, err := RunReadMembers(ctx, rdb, a)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	all := ReadMembersArgs{Count: 100, Calls: 10, MostMembers: 100, LongestMember: 16}

	t.Run("missing and wrong type", func(t *testing.T) {
		if r := read(t, ReadMembersArgs{Set: "nothing", Count: 1, Calls: 1, MostMembers: 1, LongestMember: 1}); r.Exists {
			t.Errorf("a missing key: %+v", r)
		}
		rdb.Set(ctx, "string", "x", 0)
		if r := read(t, ReadMembersArgs{Set: "string", Count: 1, Calls: 1, MostMembers: 1, LongestMember: 1}); !r.WrongType {
			t.Errorf("a string: %+v", r)
		}
	})

	t.Run("a small set whole, long members counted", func(t *testing.T) {
		rdb.SAdd(ctx, "small", "a", "b", "c", strings.Repeat("x", 17))
		a := all
		a.Set = "small"
		r := read(t, a)
		slices.Sort(r.Members)
		if !slices.Equal(r.Members, []string{"a", "b", "c"}) || r.Size != 4 || r.Long != 1 || r.Cut != 0 || r.Cursor != 0 {
			t.Errorf("got %+v", r)
		}
	})

	// A set of 100,000 members gives the most members asked for, and a
	// cursor to go on from; read page by page, it is read whole, once.
	big := make([]any, 100_000)
	for i := range big {
		big[i] = fmt.Sprintf("m%06d", i)
	}
	rdb.SAdd(ctx, "big", big...)
	t.Run("the first members of a big set", func(t *testing.T) {
		a := all
		a.Set = "big"
		r := read(t, a)
		if len(r.Members) != 100 || r.Size != 100_000 || r.Cursor == 0 {
			t.Errorf("%d members, size %d, cursor %d", len(r.Members), r.Size, r.Cursor)
		}
	})
	t.Run("a big set page by page", func(t *testing.T) {
		seen := map[string]bool{}
		a := ReadMembersArgs{Set: "big", Count: 1000, Calls: 1, MostMembers: 5000, LongestMember: 16}
		for pages := 0; ; pages++ {
			if pages > 1000 {
				t.Fatal("the cursor never came back to 0")
			}
			r := read(t, a)
			if r.Cut != 0 {
				t.Fatalf("%d members cut from a page of COUNT 1000", r.Cut)
			}
			for _, m := range r.Members {
				seen[m] = true
			}
			if a.Cursor = r.Cursor; a.Cursor == 0 {
				break
			}
		}
		if len(seen) != len(big) {
			t.Errorf("%d members read, want %d", len(seen), len(big))
		}
	})
	t.Run("members past the most are cut", func(t *testing.T) {
		r := read(t, ReadMembersArgs{Set: "big", Count: 1000, Calls: 1, MostMembers: 10, LongestMember: 16})
		if len(r.Members) != 10 || r.Cut < 900 {
			t.Errorf("%d members, %d cut", len(r.Members), r.Cut)
		}
	})
}
