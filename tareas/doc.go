// Package tareas contiene las tareas de los ejemplos del tutorial: una tarea
// lenta que a veces falla y un contador de palabras de una página web.
//
// Cada tarea se registra con un nombre al estilo de Python
// ("tareas.tarea_pesada_y_falible"), que es el nombre que se guarda en
// Redis. Así un worker en otro proceso, en Go o en Python, sabe qué función
// ejecutar.
//
// Dos variables de entorno hacen que los ejemplos sean exactos y rápidos en
// las pruebas, sin cambiar lo que ve quien los ejecuta normalmente:
//
//   - TAREAS_SEMILLA: un entero que fija todas las decisiones al azar de los
//     ejemplos y de las tareas (cuánto dura cada tarea y cuáles fallan).
//     Sin ella, cada ejecución es distinta.
//   - TAREAS_SEGUNDO: cuánto dura un "segundo" simulado, como duración de
//     Go ("10ms", "1s"). Por defecto, un segundo de verdad.
package tareas
