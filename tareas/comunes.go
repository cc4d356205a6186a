package tareas

import (
	"fmt"

	"github.com/colasrq/rqlite-tutorial/rqlite"
)

// Tareas pequeñas y exactas que también tiene python/tareas.py, con los
// mismos nombres y parámetros (como tareas.fallar, en avisos.go): sirven
// para repartir trabajos entre workers de Go y de Python, y para las
// pruebas que lo comprueban.
func init() {
	rqlite.Register("tareas.sumar", Sumar, "a", "b")
	rqlite.Register("tareas.saludar", Saludar, "nombre", "saludo")
}

// Sumar devuelve a + b.
func Sumar(a, b int) int { return a + b }

// Saludar devuelve un saludo: "hola, Ana". A diferencia de Python, en Go no
// hay valores por defecto: quien llama pasa siempre los dos.
func Saludar(nombre, saludo string) string {
	return fmt.Sprintf("%s, %s", saludo, nombre)
}
