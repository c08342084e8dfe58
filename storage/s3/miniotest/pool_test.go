package miniotest

import "testing"

// A process that exits while the pool forms (MinIO ends with FATAL when its first
// formation fails) is started again, and the pool forms.
func TestAPoolFormsWhenAProcessExitsWhileItForms(t *testing.T) {
	p := newPool(t, 2, 2)
	procs := p.launch(t)
	procs[1].Kill() // SIGKILL, waited for: gone before the set formed
	p.awaitFormed(t, procs)
	for _, s := range p.Servers {
		if !s.healthy() {
			t.Errorf("MinIO on %s not healthy once the pool formed", s.Endpoint)
		}
	}
}
